package artifacts

import (
	"os"
	"path/filepath"
	"testing"
)

func TestResolve(t *testing.T) {
	root := t.TempDir()
	os.MkdirAll(filepath.Join(root, "a/b"), 0o755)
	os.WriteFile(filepath.Join(root, "a/f"), nil, 0o644)
	for l, target := range map[string]string{
		"dot":   ".",
		"up":    "dot/..", // escapes: dot is root
		"b":     "a/b",
		"bup":   "b/../..", // a/b/../.. is root
		"abs":   "/etc",
		"loop":  "loop",
		"dangl": "x/y",
	} {
		if err := os.Symlink(target, filepath.Join(root, l)); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct{ in, want, err string }{
		{".", ".", ""},
		{"a/b/../f", "a/f", ""},
		{"dot/dot/a", "a", ""},
		{"b/..", "a", ""}, // .. of where b leads, not lexical
		{"bup", ".", ""},
		{"bup/..", "", errEscapes.Error()},
		{"up", "", errEscapes.Error()},
		{"..", "", errEscapes.Error()},
		{"a/../..", "", errEscapes.Error()},
		{"abs", "", errEscapes.Error()},
		{"loop", "", errTooManyLinks.Error()},
		{"dangl/z", "x/y/z", ""},
		{"dangl/../..", ".", ""},
		{"dangl/../../..", "", errEscapes.Error()},
		{"missing/../a", "a", ""},
		{"a/f/../b", "a/b", ""}, // below a file: lexical
	}
	for _, c := range cases {
		got, err := resolve(root, c.in)
		if got != c.want || (err == nil) != (c.err == "") || err != nil && err.Error() != c.err {
			t.Errorf("resolve(%q) = %q, %v; want %q, %q", c.in, got, err, c.want, c.err)
		}
	}
}
