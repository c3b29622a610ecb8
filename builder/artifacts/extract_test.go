package artifacts

import (
	"archive/tar"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type entry struct {
	name, link string
	typ        byte
	body       string
}

func tarOf(t *testing.T, es ...entry) *bytes.Buffer {
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: 0o644, Size: int64(len(e.body))}
		if e.typ != tar.TypeReg {
			h.Size = 0
		}
		if err := w.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if e.typ == tar.TypeReg {
			w.Write([]byte(e.body))
		}
	}
	w.Close()
	return &b
}

func TestExtractGood(t *testing.T) {
	dir := t.TempDir()
	files, err := Extract(tarOf(t,
		entry{name: "out/", typ: tar.TypeDir},
		entry{name: "out/hello_1.0_amd64.deb", typ: tar.TypeReg, body: "deb"},
		entry{name: "out/RPMS/x86_64/hello.rpm", typ: tar.TypeReg, body: "rpm"},
		entry{name: "out/latest.deb", typ: tar.TypeSymlink, link: "hello_1.0_amd64.deb"},
	), dir)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(files, ",") != "hello_1.0_amd64.deb,RPMS/x86_64/hello.rpm" {
		t.Fatalf("files %v", files)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "RPMS/x86_64/hello.rpm"))
	if string(b) != "rpm" {
		t.Fatalf("content %q", b)
	}
}

func TestExtractRefusesEscapes(t *testing.T) {
	cases := map[string][]entry{
		"climbs out":        {{name: "out/../../etc/passwd", typ: tar.TypeReg, body: "x"}},
		"absolute path":     {{name: "/etc/passwd", typ: tar.TypeReg, body: "x"}},
		"points outside":    {{name: "out/evil", typ: tar.TypeSymlink, link: "/etc/passwd"}},
		"points outside ..": {{name: "out/sub/evil", typ: tar.TypeSymlink, link: "../../../x"}},
		"hard link":         {{name: "out/h", typ: tar.TypeLink, link: "../etc/shadow"}},
		"special file":      {{name: "out/dev", typ: tar.TypeChar}},
		// A symlink inside, then a file written through it, must not escape.
		"write through link": {{name: "out/d", typ: tar.TypeSymlink, link: "."}, {name: "out/d", typ: tar.TypeReg, body: "x"}},
	}
	for name, es := range cases {
		t.Run(name, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "out")
			os.Mkdir(dir, 0o755)
			_, err := Extract(tarOf(t, es...), dir)
			if err == nil {
				t.Fatal("accepted")
			}
			if name != "write through link" && name != "special file" && !strings.Contains(err.Error(), "refused") {
				t.Fatalf("unclear error: %v", err)
			}
			if _, err := os.Stat(filepath.Join(parent, "etc")); err == nil {
				t.Fatal("wrote outside")
			}
		})
	}
}

func TestStagingPublishAndKeepOnly(t *testing.T) {
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
	// A failed second run replaces it with the log alone.
	s2, _ := NewStaging(out, "debian-bookworm", "r1")
	os.WriteFile(filepath.Join(s2.Dir, "half.deb"), []byte("partial"), 0o644)
	os.WriteFile(filepath.Join(s2.Dir, "build.log"), []byte("log2"), 0o644)
	if err := s2.KeepOnly("build.log"); err != nil {
		t.Fatal(err)
	}
	if err := s2.Publish(); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(filepath.Join(out, "debian-bookworm"))
	if len(entries) != 1 || entries[0].Name() != "build.log" {
		t.Fatalf("after failure: %v", entries)
	}
	all, _ := os.ReadDir(out)
	if len(all) != 1 {
		t.Fatalf("staging leftovers: %v", all)
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
	if len(gone) != 1 || gone[0] != filepath.Base(dead.Dir) {
		t.Fatalf("swept %v", gone)
	}
	for _, d := range []string{live.Dir, filepath.Join(out, "debian-bookworm")} {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("%s removed: %v", d, err)
		}
	}
}
