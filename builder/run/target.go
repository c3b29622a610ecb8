package run

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// target runs one job from start to end. It never returns early without
// cleaning up: every resource is removed by a defer registered right after
// it is created.
func (r *runner) target(ctx context.Context, j plan.Job) (res report.Result) {
	start := time.Now()
	res = report.Result{Target: j.Name(), Distro: j.Target.Distro, Arch: j.Arch, Emulated: j.Foreign, Dir: filepath.Join(r.opt.OutputDir, j.Name()), Planned: planned(j)}
	r.view.Start(j.Name())
	defer func() { r.view.Finish(j.Name(), outcome(res)) }() // runs last, with the final result
	if j.Target.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, j.Target.Timeout)
		defer cancel()
	}
	stage, err := artifacts.NewStaging(r.opt.OutputDir, j.Name(), r.run.ID)
	if err != nil {
		res.Err, res.Step = err, StepPrepare
		return res
	}
	logFile, err := r.openLog(filepath.Join(stage.Dir, report.LogFile))
	if err != nil {
		stage.Discard()
		res.Err, res.Step = err, StepPrepare
		return res
	}
	log := newTargetLog(logFile, r.view, j.Name())
	var key string // the result key, taken before the build; "" if none
	defer func() {
		res.Duration = time.Since(start)
		log.Flush()
		if err := logFile.Close(); err != nil && log.FileErr() == nil && res.OK {
			res.OK, res.Err, res.Step = false, fmt.Errorf("writing %s: %w", report.LogFile, err), StepCollect
		}
		r.finish(&res, key, log, stage)
	}()

	err = r.steps(ctx, j, log, stage, &res, &key)
	res.Steps = log.Steps()
	if err == nil {
		if ferr := log.FileErr(); ferr != nil {
			err = fmt.Errorf("writing %s: %w", report.LogFile, ferr)
		}
	}
	if err != nil {
		res.Err = err
		if res.Step == "" {
			res.Step = log.Step()
		}
		if ctx.Err() != nil {
			res.Cancelled = errors.Is(ctx.Err(), context.Canceled)
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				res.Err = report.TimeoutError{Step: res.Step, After: j.Target.Timeout}
				log.Printf("dbuilder: %v", res.Err)
			}
			if s := silenced(ctx, res.Step); s != nil {
				res.Cancelled, res.Err = false, s
			}
		}
		return res
	}
	res.OK = true
	return res
}

// steps is the pipeline proper.
func (r *runner) steps(ctx context.Context, j plan.Job, log *targetLog, stage *artifacts.Staging, res *report.Result, key *string) (err error) {
	log.SetStep(StepImage)
	// The failed step is taken before teardown begins.
	defer func() {
		if err != nil && res.Step == "" {
			res.Step = log.Step()
		}
	}()
	// The builder image, and beside it the sidecar and its preloads.
	sc, err := r.prepare(ctx, j, log, res, key)
	if sc != nil {
		defer func() {
			if err != nil && res.Step == "" {
				res.Step = log.Step()
			}
			log.SetStep(StepTeardown)
			if res.Resources != nil {
				res.Resources.Daemon = engineUsage(r, sc, j)
			}
			if err := sc.Stop(); err != nil {
				log.Printf("dbuilder: sidecar cleanup: %v", err)
			}
		}()
	}
	if err != nil {
		return err
	}

	files, err := r.buildContainer(ctx, j, sc, log, stage.Dir, res)
	res.Artifacts = files
	if err != nil {
		return err
	}
	return r.packageTests(ctx, j, sc, log, stage.Dir, res)
}

// finish publishes the staging directory: everything on success; on
// failure only the log, as DIR/<target>/failed.log next to the last good
// packages, which stay.
func (r *runner) finish(res *report.Result, key string, log *targetLog, stage *artifacts.Staging) {
	if !res.OK {
		r.publishFailure(res, log, stage)
		return
	}
	// Recorded even without a key (never reused then): release checks the
	// packages against these sums.
	arts, err := report.Describe(stage.Dir, res.Artifacts)
	var reps []report.Artifact
	if err == nil {
		reps, err = report.Describe(stage.Dir, res.Reports)
	}
	rec := report.Record{Key: key, Target: res.Target, Run: r.run.ID, Finished: time.Now().UTC(), Artifacts: arts, Reports: reps, PackageTests: res.PackageTests}
	if err == nil {
		err = report.WriteRecord(stage.Dir, rec)
	}
	if err != nil {
		res.OK, res.Err, res.Step = false, fmt.Errorf("record the result: %w", err), StepCollect
		r.publishFailure(res, log, stage)
		return
	}
	res.Record = &rec
	if err := stage.Publish(); err != nil {
		stage.Discard()
		res.OK, res.Err, res.Step = false, err, StepCollect
		return
	}
	res.Log = filepath.Join(res.Dir, report.LogFile)
}

// publishFailure publishes a failed attempt: its log as failed.log and its
// test reports as failed-reports/, next to the last good packages.
func (r *runner) publishFailure(res *report.Result, log *targetLog, stage *artifacts.Staging) {
	res.Tail = log.Tail(15)
	res.Artifacts = nil
	p, err := stage.PublishFailure(report.LogFile, report.ReportsDir, report.PackageTestsDir)
	if err == nil {
		res.Log = p
	}
	for i, f := range res.Reports {
		res.Reports[i] = artifacts.FailedPrefix + f
	}
}

// planned lists the steps j goes through, in order.
func planned(j plan.Job) []string {
	steps := []string{StepImage}
	if j.Sidecar {
		steps = append(steps, StepSidecar)
		if len(j.Target.Test.Preload) > 0 {
			steps = append(steps, StepPreload)
		}
	}
	steps = append(steps, StepBuild)
	if strings.TrimSpace(j.Target.Test.Command) != "" {
		steps = append(steps, StepTest)
	}
	steps = append(steps, StepCollect)
	if j.InstallTest {
		steps = append(steps, StepInstall)
	}
	if j.Autopkgtest {
		steps = append(steps, StepAutopkgtest)
	}
	return steps
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// engineUsage measures the target's daemon on a fresh context: it runs
// after a cancel too.
func engineUsage(r *runner, sc *sidecar.Sidecar, j plan.Job) *report.Usage {
	var u *report.Usage
	engine.Cleanup(func(ctx context.Context) error {
		u = daemonUsage(ctx, r, sc, j.Names.Lock)
		return nil
	})
	return u
}
