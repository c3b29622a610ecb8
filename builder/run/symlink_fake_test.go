package run

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// TestFakeSymlinkedCheckoutSkipsOutput: a checkout reached through a link
// (`cd linkdir; dbuilder build` with source: .) and an output directory
// named through a link into the source. The matrix resolves the source
// through links; the output directory must be compared the same way, or
// dist/ (old packages, result.json, the live build.log) is sent into the
// build and hashed, and the result cache never hits.
func TestFakeSymlinkedCheckoutSkipsOutput(t *testing.T) {
	cases := []struct {
		name string
		out  func(dir string) string // the output directory as the CLI would pass it
		cd   string                  // the working directory ("" stays put), PWD set as a shell does
	}{
		{"checkout via link, default dist", func(dir string) string { return filepath.Join(dir, "link", "dist") }, ""},
		{"checkout via link, relative dist", func(string) string { return "dist" }, "link"},
		{"output is a link into the source", func(dir string) string { return filepath.Join(dir, "out-link") }, ""},
		{"real paths (worked before)", func(dir string) string { return filepath.Join(dir, "real", "dist") }, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			real := filepath.Join(dir, "real")
			if err := os.CopyFS(real, os.DirFS("../../testdata/hellodb")); err != nil {
				t.Fatal(err)
			}
			must(t, os.Symlink(real, filepath.Join(dir, "link")))
			must(t, os.MkdirAll(filepath.Join(real, "dist"), 0o755))
			must(t, os.Symlink(filepath.Join(real, "dist"), filepath.Join(dir, "out-link")))
			body := "name: fakepkg\nversion: 1.0.0\nsource: .\nmatrix:\n  distro: [debian:bookworm]\ntest:\n  command: make check\n"
			must(t, os.WriteFile(filepath.Join(real, "matrix.yaml"), []byte(body), 0o644))
			jobs := jobsOf(t, filepath.Join(dir, "link", "matrix.yaml"))
			if jobs[0].SourceDir != real {
				t.Fatalf("source %s, want the resolved %s", jobs[0].SourceDir, real)
			}
			if tc.cd != "" {
				t.Chdir(filepath.Join(dir, tc.cd)) // sets PWD too, as a shell's cd does
			}
			f := newFake()
			var mu sync.Mutex
			var sent []string
			f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
				if c.Role() != labels.RoleBuild {
					return nil
				}
				mu.Lock()
				for p := range c.Files {
					sent = append(sent, p)
				}
				mu.Unlock()
				return passingBuild
			}
			out := tc.out(dir)
			for i, want := range []bool{false, true} {
				res, log, err := fakeBuild(t, context.Background(), f, jobs, out, nil)
				if err != nil || report.Failed(res) > 0 {
					t.Fatalf("build %d: %v\n%s", i+1, err, log)
				}
				if got := res[0].Cached != nil; got != want {
					t.Errorf("build %d: cached %v, want %v (the second build of an unchanged tree must reuse the first)", i+1, got, want)
				}
			}
			mu.Lock()
			defer mu.Unlock()
			if len(sent) == 0 {
				t.Fatal("nothing was sent into the build")
			}
			for _, p := range sent {
				if strings.Contains(p, "/src/dist/") {
					t.Errorf("the output directory was sent into the build: %s", p)
				}
			}
		})
	}
}

// jobsOf resolves the jobs of the matrix file at path.
func jobsOf(t *testing.T, path string) []plan.Job {
	t.Helper()
	m, err := matrix.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	sc := sidecar.ImageFor("", fakeVersion)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		t.Fatal(err)
	}
	return jobs
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestFakeOutputIsTheSource: --output naming the source directory itself
// (through a link here) would skip the whole tree; it is refused before
// anything starts, with both paths named.
func TestFakeOutputIsTheSource(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real")
	must(t, os.CopyFS(real, os.DirFS("../../testdata/hellodb")))
	must(t, os.Symlink(real, filepath.Join(dir, "link")))
	body := "name: fakepkg\nversion: 1.0.0\nsource: .\nmatrix:\n  distro: [debian:bookworm]\n"
	must(t, os.WriteFile(filepath.Join(real, "matrix.yaml"), []byte(body), 0o644))
	jobs := jobsOf(t, filepath.Join(real, "matrix.yaml"))
	f := newFake()
	_, log, err := fakeBuild(t, context.Background(), f, jobs, filepath.Join(dir, "link"), nil)
	var in InputError
	if !errors.As(err, &in) || !strings.Contains(err.Error(), "is the source directory") || !strings.Contains(err.Error(), real) {
		t.Fatalf("want an input error naming the source, got %v\n%s", err, log)
	}
	if ev := f.Events(); len(ev) != 0 {
		t.Errorf("a refused run did things: %v", ev)
	}
}
