package render

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/distros"
)

func writeFile(t *testing.T, dir, rel, body string) {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(rel))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func family(t *testing.T, distro string) distros.Family {
	t.Helper()
	f, ok := distros.FamilyOf(distro)
	if !ok {
		t.Fatalf("no family for %s", distro)
	}
	return f
}

func TestContextFiles(t *testing.T) {
	deb, rh, rod := family(t, "debian:bookworm"), family(t, "fedora:41"), family(t, "debian-rpm:bookworm")
	cases := []struct {
		name    string
		files   map[string]string
		fam     distros.Family
		want    string   // the one context key
		wantErr []string // substrings of the error
	}{
		{name: "deb", fam: deb, files: map[string]string{"debian/control": "Source: x\n", "debian/rules": "", "x.spec": ""},
			want: "debian/control"},
		{name: "deb without control", fam: deb, files: map[string]string{"x.spec": ""},
			wantErr: []string{"has no debian/control", "debian family needs one", "add debian/", "drop the debian, ubuntu targets"}},
		{name: "rpm", fam: rh, files: map[string]string{"hellodb.spec": "Name: x\n", "sub/other.spec": "", "debian/control": ""},
			want: "hellodb.spec"},
		{name: "rpm-on-debian", fam: rod, files: map[string]string{"hellodb.spec": "Name: x\n"},
			want: "hellodb.spec"},
		{name: "rpm without spec", fam: rh, files: map[string]string{"debian/control": "", "sub/x.spec": ""},
			wantErr: []string{"has no .spec file at its top", "redhat family", "drop the fedora, centos, rockylinux, almalinux targets"}},
		{name: "rpm with two specs", fam: rh, files: map[string]string{"b.spec": "", "a.spec": ""},
			wantErr: []string{"has 2 .spec files at its top (a.spec, b.spec)", "exactly one", "subdirectory"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for rel, body := range c.files {
				writeFile(t, dir, rel, body)
			}
			got, err := ContextFiles(dir, c.fam)
			if c.wantErr != nil {
				if err == nil {
					t.Fatalf("no error; got %v", got)
				}
				for _, s := range append(c.wantErr, dir) {
					if !strings.Contains(err.Error(), s) {
						t.Errorf("error %q lacks %q", err, s)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || got[c.want] == nil {
				t.Fatalf("got keys %v, want only %s", keys(got), c.want)
			}
			if string(got[c.want]) != c.files[c.want] {
				t.Errorf("content %q, want %q", got[c.want], c.files[c.want])
			}
		})
	}
}

func TestContextFilesBadDir(t *testing.T) {
	_, err := ContextFiles(filepath.Join(t.TempDir(), "nope"), family(t, "debian:bookworm"))
	if err == nil || !strings.Contains(err.Error(), "not a readable directory") {
		t.Fatalf("got %v", err)
	}
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "debian", "control"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := ContextFiles(dir, family(t, "debian:bookworm")); err == nil {
		t.Fatal("a directory named debian/control was accepted")
	}
}

func TestSpecFile(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "hellodb.spec", "")
	writeFile(t, dir, "README", "")
	got, err := SpecFile(dir, family(t, "fedora:41"))
	if err != nil || got != "hellodb.spec" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
