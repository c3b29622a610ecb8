package main

import (
	"os"
	"path/filepath"
	"testing"
)

// TestReferenceCurrent: the committed CLI reference (docs/cli) and man
// pages (docs/man) are what the code generates now.
func TestReferenceCurrent(t *testing.T) {
	tmp := t.TempDir()
	if err := write(tmp); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"cli", "man"} {
		got, want := files(t, filepath.Join("..", "..", "docs", sub)), files(t, filepath.Join(tmp, sub))
		for name, text := range want {
			if c, ok := got[name]; !ok {
				t.Errorf("docs/%s/%s is missing", sub, name)
			} else if c != text {
				t.Errorf("docs/%s/%s differs from what the code generates", sub, name)
			}
		}
		for name := range got {
			if _, ok := want[name]; !ok {
				t.Errorf("docs/%s/%s is no longer generated (a command was removed or renamed)", sub, name)
			}
		}
	}
	if t.Failed() {
		t.Log("the CLI reference drifted from the code: regenerate it from the repository root with `go run ./cmd/dbuilder-docs docs` and commit docs/cli and docs/man")
	}
	if n := len(files(t, filepath.Join(tmp, "man"))); n < 12 {
		t.Errorf("only %d man pages generated; is every command in the tree?", n)
	}
}

// TestWriteIsDeterministic: two runs write the same bytes (no dates).
func TestWriteIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	if err := write(a); err != nil {
		t.Fatal(err)
	}
	if err := write(b); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"cli", "man"} {
		fa, fb := files(t, filepath.Join(a, sub)), files(t, filepath.Join(b, sub))
		for name, text := range fa {
			if fb[name] != text {
				t.Errorf("%s/%s differs between two runs", sub, name)
			}
		}
	}
}

// files reads every file of dir, by name.
func files(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}
