// Package run builds and tests the targets of a matrix: per target a builder
// image, a dind sidecar, a build container, and the artifacts copied out.
package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/distros"
)

// Options control a build run.
type Options struct {
	OutputDir string
	Jobs      int           // targets at once; <1 means 1
	FailFast  bool          // stop the other targets at the first failure
	Timeout   time.Duration // per target; 0 means none
	NanoCPUs  int64         // per container limits; 0 means none
	Memory    int64
	Version   string
	Stdout    io.Writer
	RunID     string // "" picks a fresh one
}

// Result is one target's outcome.
type Result struct {
	Target    string
	Distro    string
	OK        bool
	Cancelled bool
	Step      string // where it failed
	Err       error
	Tail      []string // last log lines, on failure
	Duration  time.Duration
	Dir       string   // DIR/<target>
	Artifacts []string // package files, relative to Dir
	// What a warm run reused.
	BuilderImage       string
	BuilderImageReused bool
	Preloaded          []string
	PreloadReused      []string
	InnerDaemonID      string
}

// runner holds what every target of one run shares.
type runner struct {
	eng      engine.Engine
	m        *matrix.Matrix
	opt      Options
	con      *console
	run      string
	parallel int
	sidecar  sidecar.Image
	mode     sidecar.Mode
}

// Build runs every target and returns their results in order. The error is
// for problems of the run as a whole (no sidecar image, ...); failed targets
// are reported in the results.
func Build(ctx context.Context, eng engine.Engine, m *matrix.Matrix, targets []matrix.Target, opt Options) ([]Result, error) {
	if opt.Jobs < 1 {
		opt.Jobs = 1
	}
	if opt.Stdout == nil {
		opt.Stdout = io.Discard
	}
	r := &runner{eng: eng, m: m, opt: opt, con: &console{w: opt.Stdout}, run: opt.RunID}
	if r.run == "" {
		r.run = lifecycle.NewRunID()
	}
	if err := Preflight(ctx, eng, m, targets); err != nil {
		return nil, err
	}
	info, err := eng.Info(ctx)
	if err != nil {
		return nil, err
	}
	r.parallel = cores(info.NCPU, opt.Jobs, len(targets))

	anchor, err := r.start(ctx, targets)
	if err != nil {
		return nil, err
	}
	defer anchor.Close()
	r.con.line("", fmt.Sprintf("dbuilder: run %s: %d target(s), -j %d, %d core(s) each, daemon %s", r.run, len(targets), opt.Jobs, r.parallel, eng.Endpoint()))

	results := make([]Result, len(targets))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Jobs)
	for i, t := range targets {
		g.Go(func() error {
			results[i] = r.target(gctx, t)
			if !results[i].OK && opt.FailFast {
				return errors.New("fail-fast")
			}
			return nil
		})
	}
	g.Wait()
	return results, nil
}

// start prepares what the targets share: the sidecar image, the run's
// anchor, the privilege mode; and clears dead runs' staging directories.
// The anchor goes first: from then on, gc and cache locks know this run is
// alive, so nothing it creates (probe containers included) is taken for a
// dead run's leftovers. The caller closes the anchor.
func (r *runner) start(ctx context.Context, targets []matrix.Target) (*lifecycle.Anchor, error) {
	var err error
	anchorImage := ""
	if needsDocker(targets) {
		r.sidecar, err = sidecar.EnsureImage(ctx, r.eng, sidecar.ImageOptions{Version: r.opt.Version, Progress: prefixed(r.con, "[sidecar-image] ")})
		if err != nil {
			return nil, err
		}
		if r.sidecar.Note != "" {
			r.con.line("", "dbuilder: "+r.sidecar.Note)
		}
		anchorImage = r.sidecar.Ref
	} else if d, _, ok := distros.Lookup(targets[0].Distro); ok {
		anchorImage = d.Image
	}
	anchor, err := lifecycle.StartAnchor(ctx, r.eng, anchorImage, r.run, r.opt.Version)
	if err != nil {
		return nil, err
	}
	alive := func(run string) bool { return lifecycle.Alive(ctx, r.eng, run) }
	for _, d := range artifacts.SweepStaging(r.opt.OutputDir, alive, false) {
		r.con.line("", "dbuilder: removed "+d+", left in the output directory by a run that no longer exists")
	}
	if needsDocker(targets) {
		r.mode, err = sidecar.DetectMode(ctx, r.eng, r.sidecar.Ref, r.run, r.opt.Version)
		if err != nil {
			anchor.Close()
			return nil, err
		}
		if r.mode != sidecar.Privileged {
			r.con.line("", "dbuilder: this host refuses --privileged; sidecars run with the equivalent capability set")
		}
	}
	return anchor, nil
}

func needsDocker(ts []matrix.Target) bool {
	for _, t := range ts {
		if t.Test.Docker {
			return true
		}
	}
	return false
}

// cores divides the daemon's CPUs among the targets that run at once.
func cores(ncpu, jobs, targets int) int {
	at := min(jobs, targets)
	if at < 1 {
		at = 1
	}
	return max(1, ncpu/at)
}
