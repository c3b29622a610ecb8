package artifacts

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func list(t *testing.T, dir string) []string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var out []string
	for _, e := range entries {
		out = append(out, e.Name())
	}
	return out
}

func TestStagingPublishAndFailure(t *testing.T) {
	out := t.TempDir()
	s, err := NewStaging(out, "debian-bookworm", "r1")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(s.Dir, "a.deb"), []byte("1"), 0o644)
	os.WriteFile(filepath.Join(s.Dir, "build.log"), []byte("log"), 0o644)
	if err := s.Publish(); err != nil {
		t.Fatal(err)
	}
	// A failed second run keeps the good packages and adds failed.log.
	s2, _ := NewStaging(out, "debian-bookworm", "r2")
	os.WriteFile(filepath.Join(s2.Dir, "half.deb"), []byte("partial"), 0o644)
	os.WriteFile(filepath.Join(s2.Dir, "build.log"), []byte("log2"), 0o644)
	p, err := s2.PublishFailure("build.log")
	if err != nil {
		t.Fatal(err)
	}
	final := filepath.Join(out, "debian-bookworm")
	if got := list(t, final); !slices.Equal(got, []string{"a.deb", "build.log", FailedLog}) || p != filepath.Join(final, FailedLog) {
		t.Fatalf("after failure: %v (log at %s)", got, p)
	}
	TidyStaging(out, "r1")
	TidyStaging(out, "r2")
	if got := list(t, out); !slices.Equal(got, []string{"debian-bookworm"}) {
		t.Fatalf("staging leftovers: %v", got)
	}
	// A failure with nothing before leaves only failed.log.
	s3, _ := NewStaging(out, "debian-trixie", "r3")
	os.WriteFile(filepath.Join(s3.Dir, "build.log"), []byte("log3"), 0o644)
	s3.PublishFailure("build.log")
	if got := list(t, filepath.Join(out, "debian-trixie")); !slices.Equal(got, []string{FailedLog}) {
		t.Fatalf("first failure: %v", got)
	}
	// A failure's reports go next to failed.log as failed-reports, replacing
	// an older failure's; the good reports stay.
	os.MkdirAll(filepath.Join(final, "reports"), 0o755)
	os.WriteFile(filepath.Join(final, "reports", "good.xml"), nil, 0o644)
	for i, name := range []string{"old.xml", "new.xml"} {
		s4, _ := NewStaging(out, "debian-bookworm", "r4")
		os.MkdirAll(filepath.Join(s4.Dir, "reports"), 0o755)
		os.WriteFile(filepath.Join(s4.Dir, "reports", name), nil, 0o644)
		os.WriteFile(filepath.Join(s4.Dir, "build.log"), []byte("log4"), 0o644)
		if _, err := s4.PublishFailure("build.log", "reports", "missing"); err != nil {
			t.Fatal(i, err)
		}
	}
	if got := list(t, filepath.Join(final, FailedPrefix+"reports")); !slices.Equal(got, []string{"new.xml"}) {
		t.Errorf("failed reports: %v", got)
	}
	if got := list(t, filepath.Join(final, "reports")); !slices.Equal(got, []string{"good.xml"}) {
		t.Errorf("good reports: %v", got)
	}
}

func TestSweepStaging(t *testing.T) {
	out := t.TempDir()
	dead, _ := NewStaging(out, "debian-bookworm", "dead1")
	live, _ := NewStaging(out, "debian-trixie", "live1")
	os.Mkdir(filepath.Join(out, "debian-bookworm"), 0o755) // published: not staging
	alive := func(run string) bool { return run == "live1" }
	if listed := SweepStaging(out, alive, true); len(listed) != 1 {
		t.Fatalf("dry run listed %v", listed)
	}
	if _, err := os.Stat(dead.Dir); err != nil {
		t.Fatal("dry run removed")
	}
	gone := SweepStaging(out, alive, false)
	if len(gone) != 1 || gone[0] != filepath.Join(".dbuilder", "staging", "dead1") {
		t.Fatalf("swept %v", gone)
	}
	for _, d := range []string{live.Dir, filepath.Join(out, "debian-bookworm")} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", d, err)
		}
	}
	if _, err := os.Stat(dead.Dir); err == nil {
		t.Error("dead run's staging kept")
	}
}
