package artifacts

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io/fs"
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

// TestExtractGoodLinks: links and hard links that stay inside still work.
func TestExtractGoodLinks(t *testing.T) {
	cases := []struct {
		name    string
		entries []entry
		files   string // returned list, comma-separated
		check   func(t *testing.T, dir string)
	}{
		{"relative link", []entry{
			{name: "out/hello_1.0_amd64.deb", typ: tar.TypeReg, body: "deb"},
			{name: "out/latest.deb", typ: tar.TypeSymlink, link: "hello_1.0_amd64.deb"},
		}, "hello_1.0_amd64.deb", func(t *testing.T, dir string) { readIs(t, dir, "latest.deb", "deb") }},
		{"link up from a subdirectory", []entry{
			{name: "out/a.deb", typ: tar.TypeReg, body: "a"},
			{name: "out/sub/l", typ: tar.TypeSymlink, link: "../a.deb"},
		}, "a.deb", func(t *testing.T, dir string) { readIs(t, dir, "sub/l", "a") }},
		{"link to a directory", []entry{
			{name: "out/share/doc/", typ: tar.TypeDir},
			{name: "out/share/doc/README", typ: tar.TypeReg, body: "r"},
			{name: "out/docs", typ: tar.TypeSymlink, link: "share/doc"},
		}, "share/doc/README", func(t *testing.T, dir string) { readIs(t, dir, "docs/README", "r") }},
		{"link to the directory itself", []entry{
			{name: "out/x", typ: tar.TypeSymlink, link: "."},
		}, "", nil},
		{"chain of links inside", []entry{
			{name: "out/sub/c", typ: tar.TypeReg, body: "c"},
			{name: "out/a", typ: tar.TypeSymlink, link: "b"},
			{name: "out/b", typ: tar.TypeSymlink, link: "sub/c"},
		}, "sub/c", func(t *testing.T, dir string) { readIs(t, dir, "a", "c") }},
		{"dangling but inside", []entry{
			{name: "out/missing", typ: tar.TypeSymlink, link: "nothing/here"},
		}, "", func(t *testing.T, dir string) {
			if got, _ := os.Readlink(filepath.Join(dir, "missing")); got != "nothing/here" {
				t.Fatalf("link reads %q", got)
			}
		}},
		{"hard link to an earlier file", []entry{
			{name: "out/a.deb", typ: tar.TypeReg, body: "a"},
			{name: "out/sub/b.deb", typ: tar.TypeLink, link: "out/a.deb"},
		}, "a.deb,sub/b.deb", func(t *testing.T, dir string) {
			a, _ := os.Stat(filepath.Join(dir, "a.deb"))
			b, _ := os.Stat(filepath.Join(dir, "sub/b.deb"))
			if a == nil || b == nil || !os.SameFile(a, b) {
				t.Fatal("not the same file")
			}
		}},
		{"existing directory entry again", []entry{
			{name: "out/d/", typ: tar.TypeDir},
			{name: "out/d/f", typ: tar.TypeReg, body: "f"},
			{name: "out/d/", typ: tar.TypeDir},
		}, "d/f", nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, dir := sandbox(t)
			files, err := Extract(tarOf(t, c.entries...), dir)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(files, ","); got != c.files {
				t.Fatalf("files %q, want %q", got, c.files)
			}
			if c.check != nil {
				c.check(t, dir)
			}
			if out := outside(t, root, dir); len(out) > 0 {
				t.Fatalf("created outside: %v", out)
			}
			if bad := escapingLinks(t, dir); len(bad) > 0 {
				t.Fatalf("links leading outside: %v", bad)
			}
		})
	}
}

func readIs(t *testing.T, dir, name, want string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil || string(b) != want {
		t.Fatalf("%s: %q, %v; want %q", name, b, err, want)
	}
}

// linkChain is n symlinks l0 -> l1 -> ... -> l(n-1) -> f, and f.
func linkChain(n int) []entry {
	es := []entry{{name: "out/f", typ: tar.TypeReg, body: "f"}}
	for i := 0; i < n; i++ {
		next := fmt.Sprintf("l%d", i+1)
		if i == n-1 {
			next = "f"
		}
		es = append(es, entry{name: fmt.Sprintf("out/l%d", i), typ: tar.TypeSymlink, link: next})
	}
	return es
}

func TestExtractRefusesEscapes(t *testing.T) {
	sym := func(name, link string) entry { return entry{name: "out/" + name, typ: tar.TypeSymlink, link: link} }
	reg := func(name string) entry { return entry{name: "out/" + name, typ: tar.TypeReg, body: "x"} }
	cases := []struct {
		name    string
		entries []entry
		want    string // in the error
	}{
		{"climbs out", []entry{{name: "out/../../etc/passwd", typ: tar.TypeReg, body: "x"}}, "refused"},
		{"absolute path", []entry{{name: "/etc/passwd", typ: tar.TypeReg, body: "x"}}, "refused"},
		{"points outside", []entry{sym("evil", "/etc/passwd")}, "refused"},
		{"points outside ..", []entry{sym("sub/evil", "../../../x")}, "refused"},
		{"hard link", []entry{{name: "out/h", typ: tar.TypeLink, link: "../etc/shadow"}}, "refused"},
		{"special file", []entry{{name: "out/dev", typ: tar.TypeChar}}, "refused"},
		{"fifo", []entry{{name: "out/p", typ: tar.TypeFifo}}, "refused"},
		// A symlink inside, then a file written over it, must not escape.
		{"write over link", []entry{sym("d", "."), reg("d")}, "exists"},
		// Each link looks inside alone; y and w resolve above dir.
		{"chain x y w", []entry{sym("x", "."), sym("y", "x/.."), sym("w", "y/..")}, `symlink "y"`},
		// y is made while x does not exist yet, then x turns it outward.
		{"chain y before x", []entry{sym("y", "x/.."), sym("x", ".")}, `symlink "y"`},
		{"chain w y x", []entry{sym("w", "y/.."), sym("y", "x/.."), sym("x", ".")}, "refused"},
		// Writing through links that each look inside.
		{"write through chain", []entry{sym("a/b/l", "../.."), sym("a/b/l/m", "../../.."), reg("m/FILE")}, `symlink "a/b/l"`},
		{"file through link to dir", []entry{{name: "out/sub/", typ: tar.TypeDir}, sym("d", "sub"), reg("d/f")}, `through symlink "d"`},
		{"dir through link", []entry{{name: "out/sub/", typ: tar.TypeDir}, sym("d", "sub"), {name: "out/d/e/", typ: tar.TypeDir}}, "refused"},
		{"dir entry over link", []entry{{name: "out/sub/", typ: tar.TypeDir}, sym("d", "sub"), {name: "out/d/", typ: tar.TypeDir}}, "refused"},
		{"link through link", []entry{sym("d", "."), sym("d/l", "x")}, "refused"},
		{"hard link through link", []entry{reg("sub/f"), sym("d", "sub"), {name: "out/h", typ: tar.TypeLink, link: "out/d/f"}}, "refused"},
		{"hard link to a symlink", []entry{reg("a.deb"), sym("l", "a.deb"), {name: "out/h", typ: tar.TypeLink, link: "out/l"}}, "refused"},
		{"hard link to nothing", []entry{{name: "out/h", typ: tar.TypeLink, link: "out/missing"}}, "refused"},
		{"hard link to a directory", []entry{{name: "out/sub/", typ: tar.TypeDir}, {name: "out/h", typ: tar.TypeLink, link: "out/sub"}}, "refused"},
		{"hard link to the top", []entry{{name: "out/h", typ: tar.TypeLink, link: "out"}}, "refused"},
		// Lexically outside even though the links make it land inside.
		{"lexically outside", []entry{sym("q", "c/d"), sym("a", "q/../..")}, "refused"},
		// Out and back in: ../out/a lands inside only while dir is named out.
		{"out and back", []entry{reg("a"), sym("l", "../out/a")}, "refused"},
		{"self loop", []entry{sym("l", "l")}, "too many levels"},
		{"loop of two", []entry{sym("a", "b"), sym("b", "a")}, "too many levels"},
		{"41 links", linkChain(41), "too many levels"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root, dir := sandbox(t)
			_, err := Extract(tarOf(t, c.entries...), dir)
			if err == nil {
				t.Fatal("accepted")
			}
			if !strings.HasPrefix(err.Error(), "artifacts: ") || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %q, want it to mention %q", err, c.want)
			}
			if out := outside(t, root, dir); len(out) > 0 {
				t.Fatalf("created outside: %v", out)
			}
			if bad := escapingLinks(t, dir); len(bad) > 0 {
				t.Fatalf("left links leading outside: %v", bad)
			}
		})
	}
}

func TestExtractChainOf40(t *testing.T) {
	_, dir := sandbox(t)
	if _, err := Extract(tarOf(t, linkChain(40)...), dir); err != nil {
		t.Fatal(err)
	}
	readIs(t, dir, "l0", "f")
}

// sandbox returns a fresh empty dir to extract into, a few levels below
// root, so that an escape of a few ".." still lands where outside can see it.
func sandbox(t testing.TB) (root, dir string) {
	root = t.TempDir()
	dir = filepath.Join(root, "p", "q", "r", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return root, dir
}

// outside lists what exists under root besides dir, its contents and the
// directories leading to it.
func outside(t testing.TB, root, dir string) []string {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return filepath.SkipDir
		}
		if rel, _ := filepath.Rel(p, dir); rel == "." || !strings.HasPrefix(rel, "..") {
			return nil // an ancestor of dir
		}
		out = append(out, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// escapingLinks lists the symlinks under dir that lead outside it: as the
// OS resolves them, or, when they dangle, read lexically from their own
// directory.
func escapingLinks(t testing.TB, dir string) []string {
	realDir, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.Type()&fs.ModeSymlink == 0 {
			return err
		}
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		base, to := realDir, ""
		if to, err = filepath.EvalSymlinks(p); err != nil {
			base, to = dir, filepath.Join(filepath.Dir(p), target)
		}
		if rel, err := filepath.Rel(base, to); err != nil || filepath.IsAbs(target) || rel == ".." || strings.HasPrefix(rel, "../") {
			bad = append(bad, p+" -> "+target)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return bad
}
