package matrix

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/names"
)

var targetName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)

// FuzzLoad feeds arbitrary bytes to the loader. Seeds are every matrix under
// testdata/matrices, so the normal test run checks them too. Besides "no
// panic", it checks the promises callers rely on: an error is one positioned
// line per problem; a matrix holds only unique, file-name-safe targets whose
// values passed their grammars.
func FuzzLoad(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join(testdata, "*", "*.yaml"))
	if len(seeds) == 0 {
		f.Fatal("no seed matrices")
	}
	for _, s := range seeds {
		data, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	file := filepath.Join(testdata, "valid", "fuzz.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(file, data, testDistros)
		if err != nil {
			if m != nil {
				t.Fatal("both a matrix and an error")
			}
			lines := strings.Split(err.Error(), "\n")
			if n := len(Problems(err)); n != len(lines) {
				t.Fatalf("%d problems on %d lines:\n%v", n, len(lines), err)
			}
			for _, l := range lines {
				if !strings.HasPrefix(l, file+":") {
					t.Fatalf("problem without the file name: %q", l)
				}
			}
			return
		}
		checkMatrix(t, m)
	})
}

func checkMatrix(t *testing.T, m *Matrix) {
	t.Helper()
	if len(m.Targets) == 0 || len(m.Targets) > MaxTargets {
		t.Fatalf("%d targets", len(m.Targets))
	}
	if err := names.Version(m.Version); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, tg := range m.Targets {
		if !targetName.MatchString(tg.Name) || seen[tg.Name] {
			t.Fatalf("bad or duplicate target name %q", tg.Name)
		}
		seen[tg.Name] = true
		if _, _, ok := testDistros.Lookup(tg.Distro); !ok || tg.Axes["distro"] != tg.Distro {
			t.Fatalf("target %s has distro %q", tg.Name, tg.Distro)
		}
		if err := names.SourceName(tg.Format, m.Name); err != nil {
			t.Fatal(err)
		}
		for format, list := range map[string][]string{"deb": tg.Build.Deps.Deb, "rpm": tg.Build.Deps.Rpm} {
			for _, p := range list {
				if err := names.Package(format, p); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, ref := range tg.Test.Preload {
			if err := names.ImageRef(ref); err != nil {
				t.Fatal(err)
			}
		}
		if strings.ContainsRune(tg.Test.Command, 0) {
			t.Fatal("NUL in command")
		}
		if len(tg.Test.Preload) > 0 && !tg.Test.Docker {
			t.Fatalf("%s preloads without docker", tg.Name)
		}
	}
}
