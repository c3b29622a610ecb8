package matrix

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const testdata = "../../testdata/matrices"

// TestInvalid loads every file under testdata/matrices/invalid. Each file
// states the problems it must produce in "# want: " lines; every problem
// reported must be wanted and every wanted one reported, in that order.
func TestInvalid(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(testdata, "invalid", "*.yaml"))
	if err != nil || len(files) < 20 {
		t.Fatalf("want at least 20 invalid matrices, got %d (%v)", len(files), err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			wants := wantLines(t, file)
			m, err := LoadWith(file, testDistros)
			if err == nil {
				t.Fatalf("loaded without error: %+v", m)
			}
			got := strings.Split(err.Error(), "\n")
			if len(got) != len(wants) {
				t.Errorf("got %d problems, want %d:\n%s", len(got), len(wants), err)
			}
			for i := range min(len(got), len(wants)) {
				if !strings.Contains(got[i], wants[i]) {
					t.Errorf("problem %d:\n got: %s\nwant: ...%s...", i+1, got[i], wants[i])
				}
			}
			if n := len(Problems(err)); n != len(got) {
				t.Errorf("Problems found %d errors in %d lines", n, len(got))
			}
		})
	}
}

// wantLines returns the "# want: " lines of a test matrix.
func wantLines(t *testing.T, file string) []string {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var wants []string
	for _, line := range strings.Split(string(data), "\n") {
		if w, ok := strings.CutPrefix(line, "# want: "); ok {
			wants = append(wants, w)
		}
	}
	if len(wants) == 0 {
		t.Fatalf("%s has no '# want: ' lines", file)
	}
	return wants
}
