// Package run builds and tests resolved jobs: per job a builder image, a
// dind sidecar, a build container, and the artifacts copied out.
package run

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/pkgtest"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/progress"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/regcache"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/builder/version"
)

// Options control a build run.
type Options struct {
	OutputDir string
	Jobs      int   // targets at once; <1 means 1
	FailFast  bool  // stop the other targets at the first failure
	NanoCPUs  int64 // per container limits; 0 means none
	Memory    int64
	Run       ident.Run     // the run's identity; a zero ID picks a fresh one
	Sidecar   sidecar.Image // the sidecar image (the one the jobs' Dockerfiles copy the docker CLI from)
	Stdout    io.Writer
	// Progress shows the run as it goes; nil prints plain prefixed lines
	// to Stdout. The caller closes it.
	Progress progress.View
	// Rebuild builds every target even when its last good result is
	// current (see report.ResultFile).
	Rebuild bool
	// CCache keeps a compiler cache per target on a kept volume.
	CCache bool
	// Incremental keeps each target's built tree on a kept volume and skips
	// the clean step: for the edit-build-test loop, not for releases.
	Incremental bool
	// Pull says when images are pulled before the run ("" is pull.Missing).
	Pull pull.Policy
	// SidecarBases are the Debian images dbuilder's own sidecar image may be
	// built from, in order of preference (nil: sidecar.DefaultBases).
	SidecarBases []string
	// DaemonSilence is how long the daemon may leave pings unanswered
	// before the targets in flight fail (0: DefaultDaemonSilence).
	DaemonSilence time.Duration
	// MTU is the sidecars' inner daemons' MTU; 0 takes the MTU of the
	// network they join on the daemon (sidecar.OuterMTU).
	MTU int
	// Cache is the cache registry's repository for builder images ("": no
	// cache): pulled before an image is built, pushed to after (see
	// regcache). Pull never leaves its images alone.
	Cache string
	// Vary builds in a varied environment (another root path, umask, time
	// zone, locale; see Variation in contract.go): the second build of a
	// reproducibility check. nil is the standard environment.
	Vary *Variation
}

// runner holds what every target of one run shares.
type runner struct {
	eng      Engine
	opt      Options
	view     progress.View
	run      ident.Run
	parallel int
	mode     sidecar.Mode
	mtu      int // the sidecars' inner daemons' (0: dockerd's default)
	live     *lifecycle.Liveness
	openLog  func(name string) (io.WriteCloser, error) // os.Create; tests make it fail
	sources  sourceHashes
	self     string          // dbuilder's own identity (version.Identity)
	cache    *regcache.Cache // nil without a cache registry
	images   tagLocks        // one target at a time makes a given builder image
	// testRunner is the autopkgtest runner image, when a target runs DEP-8
	// tests.
	testRunner string
}

// newRunner returns the runner of one run (Build or Images), opt's
// defaults filled in.
func newRunner(eng Engine, opt Options) *runner {
	r := &runner{eng: eng, opt: opt, view: opt.Progress, run: opt.Run, live: lifecycle.NewLiveness(eng),
		openLog: func(name string) (io.WriteCloser, error) { return os.Create(name) }}
	if r.run.ID == "" {
		r.run = ident.NewRun(opt.Run.Version)
	}
	r.cache = regcache.New(eng, regcache.Options{Repo: opt.Cache, NoPull: opt.Pull == pull.Never,
		Say: func(line string) { r.view.Line("", line) }})
	return r
}

// defaults fills in what opt leaves out.
func (opt *Options) defaults() {
	if opt.Jobs < 1 {
		opt.Jobs = 1
	}
	if opt.Stdout == nil {
		opt.Stdout = io.Discard
	}
	if opt.Progress == nil {
		opt.Progress = progress.NewPlain(opt.Stdout)
	}
}

// Build runs every job and returns their results in order. The error is
// for problems of the run as a whole (bad input, no sidecar image, ...);
// failed targets are reported in the results.
func Build(ctx context.Context, eng Engine, jobs []plan.Job, opt Options) ([]report.Result, error) {
	opt.defaults()
	if opt.Vary != nil {
		if err := opt.Vary.check(); err != nil {
			return nil, InputError{err}
		}
	}
	r := newRunner(eng, opt)
	if self, err := version.Identity(); err == nil {
		r.self = self
	} else {
		r.view.Line("", "dbuilder: no result is reused or keyed in this run: "+err.Error())
	}
	// Stopped last: cleanup after a silence goes ahead if the daemon
	// answers again meanwhile.
	ctx, stopWatch := r.watchDaemon(ctx)
	defer stopWatch()
	info, err := eng.Info(ctx)
	if err != nil {
		return nil, orSilenced(ctx, StepPrepare, err)
	}
	if err := Preflight(ctx, eng, info, jobs, opt); err != nil {
		return nil, orSilenced(ctx, StepPrepare, err)
	}
	names := make([]string, len(jobs))
	for i, j := range jobs {
		names[i] = j.Name()
	}
	r.view.Plan(names)
	results := make([]report.Result, len(jobs))
	var todo []int
	for i, j := range jobs {
		if !opt.Rebuild {
			if res, ok := r.cached(ctx, j); ok {
				results[i] = res
				r.view.Finish(j.Name(), outcome(res))
				continue
			}
		}
		todo = append(todo, i)
	}
	if len(todo) == 0 {
		r.view.Line("", fmt.Sprintf("dbuilder: all %d target(s) unchanged since their last good build; nothing to do (--rebuild builds anyway)", len(jobs)))
		return results, nil
	}
	building := make([]plan.Job, len(todo))
	for k, i := range todo {
		building[k] = jobs[i]
	}
	r.parallel = cores(info.NCPU, opt.Jobs, len(todo))

	anchor, err := r.start(ctx, building)
	if err != nil {
		return nil, orSilenced(ctx, StepPrepare, err)
	}
	defer anchor.Close()
	defer artifacts.TidyStaging(opt.OutputDir, r.run.ID) // after every target is done
	r.view.Line("", fmt.Sprintf("dbuilder: run %s: %d target(s) to build, %d unchanged, -j %d, %d core(s) each, daemon %s",
		r.run.ID, len(todo), len(jobs)-len(todo), opt.Jobs, r.parallel, eng.Endpoint()))

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Jobs)
	for _, i := range todo {
		j := jobs[i]
		g.Go(func() error {
			results[i] = r.target(gctx, j)
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
func (r *runner) start(ctx context.Context, jobs []plan.Job) (*lifecycle.Anchor, error) {
	anchorImage := jobs[0].Distro.Image
	docker := needsDocker(jobs)
	if docker {
		prog := aside(r.view, "sidecar-image")
		t0 := time.Now()
		note, err := sidecar.Ensure(ctx, r.eng, r.opt.Sidecar, sidecar.EnsureOptions{Version: r.run.Version, Bases: r.opt.SidecarBases, Progress: prog})
		prog.Flush()
		if note != "" || err != nil {
			r.view.Finish("sidecar-image", progress.Outcome{Word: outcomeWord(err == nil), Failed: err != nil, Duration: time.Since(t0)})
		}
		if err != nil {
			return nil, err
		}
		if note != "" {
			r.view.Line("", "dbuilder: "+note)
		}
		anchorImage = r.opt.Sidecar.Ref
	}
	if needsAutopkgtest(jobs) {
		prog := aside(r.view, "autopkgtest-image")
		t0 := time.Now()
		ref, note, err := pkgtest.EnsureRunner(ctx, r.eng, r.run.Version, pkgtest.CLI{Image: r.opt.Sidecar.Ref, Path: r.opt.Sidecar.CLIPath}, prog)
		prog.Flush()
		if note != "" || err != nil {
			r.view.Finish("autopkgtest-image", progress.Outcome{Word: outcomeWord(err == nil), Failed: err != nil, Duration: time.Since(t0)})
		}
		if err != nil {
			return nil, err
		}
		if note != "" {
			r.view.Line("", "dbuilder: "+note)
		}
		r.testRunner = ref
	}
	anchor, err := lifecycle.StartAnchor(ctx, r.eng, anchorImage, r.run)
	if err != nil {
		return nil, err
	}
	alive := func(run string) bool { return r.live.Alive(ctx, run) }
	for _, d := range artifacts.SweepStaging(r.opt.OutputDir, alive, false) {
		r.view.Line("", "dbuilder: removed "+d+", left in the output directory by a run that no longer exists")
	}
	if docker {
		r.mode, err = sidecar.DetectMode(ctx, r.eng, r.opt.Sidecar.Ref, r.run)
		if err != nil {
			anchor.Close()
			return nil, err
		}
		if r.mode != sidecar.Privileged {
			r.view.Line("", "dbuilder: this host refuses --privileged; sidecars run with the equivalent capability set")
		}
		r.mtu = r.sidecarMTU(ctx)
	}
	return anchor, nil
}

// sidecarMTU is --mtu, else the outer network's MTU; said when it is not
// dockerd's default. A daemon that does not say leaves dockerd's default.
func (r *runner) sidecarMTU(ctx context.Context) int {
	if r.opt.MTU > 0 {
		r.view.Line("", fmt.Sprintf("dbuilder: sidecars' daemons use MTU %d (--mtu)", r.opt.MTU))
		return r.opt.MTU
	}
	mtu, err := sidecar.OuterMTU(ctx, r.eng)
	if err != nil {
		r.view.Line("", fmt.Sprintf("dbuilder: warning: no MTU for the sidecars' daemons (%v); they use dockerd's default, %d (--mtu sets one)", err, sidecar.DefaultMTU))
		return 0
	}
	if mtu > 0 && mtu != sidecar.DefaultMTU {
		r.view.Line("", fmt.Sprintf("dbuilder: sidecars' daemons use MTU %d, as the daemon's default network does", mtu))
	}
	return mtu
}

func needsDocker(jobs []plan.Job) bool {
	for _, j := range jobs {
		if j.Sidecar {
			return true
		}
	}
	return false
}

func needsAutopkgtest(jobs []plan.Job) bool {
	for _, j := range jobs {
		if j.Autopkgtest {
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

// cached returns the last good result of j when every input is unchanged.
func (r *runner) cached(ctx context.Context, j plan.Job) (report.Result, bool) {
	key, err := r.resultKey(ctx, j)
	if err != nil || key == "" {
		return report.Result{}, false
	}
	dir := filepath.Join(r.opt.OutputDir, j.Name())
	rec, err := report.ReadRecord(dir)
	if err != nil || rec.Key != key {
		return report.Result{}, false
	}
	if err := rec.Check(dir); err != nil {
		r.view.Line(j.Name(), fmt.Sprintf("dbuilder: inputs unchanged, but the last good result is not reused: %v; building again", err))
		return report.Result{}, false
	}
	return fromRecord(j, dir, rec), true
}

// outcome is how a result shows in the progress view.
func outcome(res report.Result) progress.Outcome {
	return progress.Outcome{Word: report.Word(res), Failed: !res.OK && !res.Cancelled, Duration: res.Duration, Log: res.Log}
}

func outcomeWord(ok bool) string {
	if ok {
		return "ok"
	}
	return "FAILED"
}
