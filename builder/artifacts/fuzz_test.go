package artifacts

import (
	"archive/tar"
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// FuzzExtract feeds Extract tar streams described by a compact text, one
// entry a line: a type letter, the name, and for links the target (for
// files the contents), separated by single spaces:
//
//	d a/b        directory
//	f a/b/c hi   regular file holding "hi"
//	l x ..       symlink x -> ..
//	h y a/b/c    hard link y to a/b/c
//	c dev        character device (p: fifo)
//
// Names and hard link targets get the top element "out/" put in front,
// unless they start with "=", which is dropped and the rest used as is.
// Whatever the input, nothing may appear outside dir and no symlink left
// under dir may lead out of it.
func FuzzExtract(f *testing.F) {
	for _, s := range []string{
		// accepted
		"d \nf hello_1.0_amd64.deb deb\nf RPMS/x86_64/hello.rpm rpm\nl latest.deb hello_1.0_amd64.deb",
		"f a.deb a\nl sub/l ../a.deb",
		"d share/doc\nf share/doc/README r\nl docs share/doc",
		"l x .",
		"f sub/c c\nl a b\nl b sub/c",
		"l missing nothing/here",
		"f a.deb a\nh sub/b.deb a.deb",
		"d d\nf d/f f\nd d",
		"=d out/\n=f out/a x\n=h out/b out/a",
		chainSpec(40),
		// refused
		"=f out/../../etc/passwd x",
		"=f /etc/passwd x",
		"=l out/x/../../y z",
		"l evil /etc/passwd",
		"l sub/evil ../../../x",
		"=h out/h ../etc/shadow",
		"h h out",
		"c dev",
		"p fifo",
		"l d .\nf d x",
		"l x .\nl y x/..\nl w y/..",
		"l y x/..\nl x .",
		"l w y/..\nl y x/..\nl x .",
		"l a/b/l ../..\nl a/b/l/m ../../..\nf m/FILE x",
		"d sub\nl d sub\nf d/f x",
		"d sub\nl d sub\nd d/e",
		"d sub\nl d sub\nd d",
		"l d .\nl d/l x",
		"f sub/f x\nl d sub\nh h d/f",
		"f a.deb x\nl l a.deb\nh h l",
		"h h missing",
		"d sub\nh h sub",
		"l q c/d\nl a q/../..",
		"f a x\nl l ../out/a",
		"l l l",
		"l a b\nl b a",
		chainSpec(41),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		stream, ok := tarOfSpec(spec)
		if !ok {
			return
		}
		root, dir := sandbox(t)
		Extract(bytes.NewReader(stream), dir)
		if out := outside(t, root, dir); len(out) > 0 {
			t.Fatalf("created outside: %v", out)
		}
		// Checked whether or not Extract failed: on failure it removes the
		// links it made, so a caller keeping dir still holds none leading out.
		if bad := escapingLinks(t, dir); len(bad) > 0 {
			t.Fatalf("links leading outside: %v", bad)
		}
	})
}

// chainSpec is n symlinks l0 -> l1 -> ... -> f, and f.
func chainSpec(n int) string {
	lines := []string{"f f f"}
	for i := 0; i < n; i++ {
		next := fmt.Sprintf("l%d", i+1)
		if i == n-1 {
			next = "f"
		}
		lines = append(lines, fmt.Sprintf("l l%d %s", i, next))
	}
	return strings.Join(lines, "\n")
}

// tarOfSpec turns FuzzExtract's text into a tar stream; false when the text
// makes none (too long, or names the tar writer cannot encode).
func tarOfSpec(spec string) ([]byte, bool) {
	lines := strings.Split(spec, "\n")
	if len(lines) > 200 {
		return nil, false
	}
	name := func(s string) string {
		if raw, ok := strings.CutPrefix(s, "="); ok {
			return raw
		}
		return "out/" + s
	}
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, line := range lines {
		if len(line) < 2 {
			continue
		}
		fields := strings.SplitN(line[2:], " ", 2)
		h := &tar.Header{Name: name(fields[0]), Mode: 0o644}
		arg := ""
		if len(fields) == 2 {
			arg = fields[1]
		}
		switch line[0] {
		case 'd':
			h.Typeflag, h.Mode = tar.TypeDir, 0o755
		case 'f':
			h.Typeflag, h.Size = tar.TypeReg, int64(len(arg))
		case 'l':
			h.Typeflag, h.Linkname = tar.TypeSymlink, arg
		case 'h':
			h.Typeflag, h.Linkname = tar.TypeLink, name(arg)
		case 'c':
			h.Typeflag = tar.TypeChar
		case 'p':
			h.Typeflag = tar.TypeFifo
		default:
			continue
		}
		if err := w.WriteHeader(h); err != nil {
			return nil, false
		}
		if h.Typeflag == tar.TypeReg {
			w.Write([]byte(arg))
		}
	}
	if err := w.Close(); err != nil {
		return nil, false
	}
	return b.Bytes(), true
}
