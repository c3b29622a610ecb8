package run

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// BenchmarkNoopBuild is a no-op build of 3 targets whose packages are 4 MB
// each: the result keys, the sha256 of every recorded file, dbuilder's own
// identity (taken once per process). The daemon is the in-memory one, so
// this is dbuilder's own share of a no-op.
func BenchmarkNoopBuild(b *testing.B) {
	f := newFake()
	pkg := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
	f.OnStart = func(c *enginefake.Container) enginefake.Behavior {
		if c.Role() != labels.RoleBuild {
			return nil
		}
		return func(c *enginefake.Container, stop <-chan struct{}) int {
			n := nonceOf(c)
			c.Log("##[dbuilder:%s] step build", n)
			c.Out["pkg_1.0_amd64.deb"] = pkg
			c.Log("##[dbuilder:%s] step done", n)
			return 0
		}
	}
	body := strings.Replace(fakeMatrix, "[debian:bookworm, debian:trixie]", "[debian:bookworm, debian:trixie, debian:bullseye]", 1)
	f.AddImage("debian:bullseye", nil)
	src, _ := filepath.Abs("../../testdata/hellodb")
	m, err := matrix.Parse("bench.yaml", []byte(fmt.Sprintf(body, src)), nil)
	if err != nil {
		b.Fatal(err)
	}
	sc := sidecar.ImageFor("", fakeVersion)
	jobs, err := plan.Resolve(m, m.Targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}})
	if err != nil {
		b.Fatal(err)
	}
	out := b.TempDir()
	opt := Options{OutputDir: out, Jobs: 3, Sidecar: sidecar.ImageFor("", fakeVersion), Stdout: io.Discard}
	opt.Run = ident.NewRun(fakeVersion)
	if res, err := Build(context.Background(), f, jobs, opt); err != nil || report.Failed(res) > 0 {
		b.Fatalf("first build: %v %+v", err, res)
	}
	for b.Loop() {
		opt.Run = ident.NewRun(fakeVersion)
		res, err := Build(context.Background(), f, jobs, opt)
		if err != nil || res[0].Cached == nil || res[1].Cached == nil || res[2].Cached == nil {
			b.Fatalf("not a no-op: %v %+v", err, res)
		}
	}
}
