package report

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteAtomic(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, ReportFile)
	if err := writeAtomic(dir, ReportFile, []byte("new\n")); err != nil {
		t.Fatal(err)
	}
	b, rerr := os.ReadFile(p)
	if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o644 || rerr != nil || string(b) != "new\n" {
		t.Fatalf("written: %v %v %v %q", st, err, rerr, b)
	}
	// The rename cannot replace what is there (here an empty directory):
	// the error names the file and nothing of an earlier run is left.
	os.Remove(p)
	os.Mkdir(p, 0o755)
	err := writeAtomic(dir, ReportFile, []byte("new\n"))
	if err == nil || !strings.Contains(err.Error(), p) || !strings.Contains(err.Error(), "was removed") {
		t.Fatalf("error: %v", err)
	}
	if _, serr := os.Stat(p); serr == nil {
		t.Errorf("%s left in place", p)
	}
	// What cannot be removed either is said.
	os.MkdirAll(filepath.Join(p, "x"), 0o755)
	err = writeAtomic(dir, ReportFile, []byte("new\n"))
	if err == nil || !strings.Contains(err.Error(), "EARLIER run's and could not be removed") {
		t.Fatalf("error: %v", err)
	}
	// No temporary file is left behind.
	if m, _ := filepath.Glob(filepath.Join(dir, ".*")); len(m) > 0 {
		t.Errorf("left: %v", m)
	}
}
