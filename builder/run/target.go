package run

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/dbuilder/dbuilder/builder/artifacts"
	"github.com/dbuilder/dbuilder/builder/lifecycle"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/distros"
)

// target runs one target from start to end. It never returns early without
// cleaning up: every resource is removed by a defer registered right after
// it is created.
func (r *runner) target(ctx context.Context, t matrix.Target) (res Result) {
	start := time.Now()
	res = Result{Target: t.Name, Distro: t.Distro, Dir: filepath.Join(r.opt.OutputDir, t.Name)}
	if r.opt.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, r.opt.Timeout)
		defer cancel()
	}
	stage, err := artifacts.NewStaging(r.opt.OutputDir, t.Name, r.run)
	if err != nil {
		res.Err, res.Step = err, "prepare"
		return res
	}
	logFile, err := os.Create(filepath.Join(stage.Dir, "build.log"))
	if err != nil {
		stage.Discard()
		res.Err, res.Step = err, "prepare"
		return res
	}
	log := newTargetLog(logFile, r.con, t.Name)
	defer func() {
		res.Duration = time.Since(start)
		log.Flush()
		logFile.Close()
		r.finish(ctx, &res, log, stage)
	}()

	err = r.steps(ctx, t, log, stage, &res)
	if err != nil {
		res.Err, res.Step = err, log.Step()
		if ctx.Err() != nil {
			res.Cancelled = errors.Is(ctx.Err(), context.Canceled)
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				res.Err = fmt.Errorf("timed out after %s", r.opt.Timeout)
			}
		}
		return res
	}
	res.OK = true
	return res
}

// steps is the pipeline proper.
func (r *runner) steps(ctx context.Context, t matrix.Target, log *targetLog, stage *artifacts.Staging, res *Result) error {
	d, fam, ok := distros.Lookup(t.Distro)
	if !ok {
		return fmt.Errorf("unknown distro %q", t.Distro)
	}
	log.SetStep("image")
	tag, reused, err := r.builderImage(ctx, t, d, fam, log)
	res.BuilderImage, res.BuilderImageReused = tag, reused
	if err != nil {
		return err
	}

	var sc *sidecar.Sidecar
	if t.Test.Docker {
		log.SetStep("sidecar")
		log.Printf("dbuilder: starting sidecar on cache volume %s", CacheVolume(r.m.Name, t.Name))
		t0 := time.Now()
		sc, err = sidecar.Start(ctx, r.eng, sidecar.Config{
			Image: r.sidecar, Mode: r.mode, Run: r.run, Matrix: r.m.Name, Target: t.Name, Version: r.opt.Version,
			Cache: CacheVolume(r.m.Name, t.Name), NanoCPUs: r.opt.NanoCPUs, Memory: r.opt.Memory,
			Alive: func(ctx context.Context, run string) bool { return lifecycle.Alive(ctx, r.eng, run) },
			Log:   log,
		})
		if sc != nil {
			defer func() {
				if err := sc.Stop(); err != nil {
					log.Printf("dbuilder: sidecar cleanup: %v", err)
				}
			}()
		}
		if err != nil {
			return err
		}
		res.InnerDaemonID = sc.InnerID
		log.Printf("dbuilder: sidecar ready in %s (inner daemon %s)", time.Since(t0).Round(time.Millisecond), short(sc.InnerID))
		if len(t.Test.Preload) > 0 {
			log.SetStep("preload")
			log.Printf("dbuilder: preloading %v", t.Test.Preload)
			pr, err := sc.Preload(ctx, t.Test.Preload)
			res.Preloaded, res.PreloadReused = pr.Loaded, pr.Reused
			if err != nil {
				return err
			}
			log.Printf("dbuilder: preload: %d copied %v, %d already there %v", len(pr.Loaded), pr.Loaded, len(pr.Reused), pr.Reused)
		}
	}

	files, err := r.buildContainer(ctx, t, fam, tag, sc, log, stage.Dir)
	res.Artifacts = files
	return err
}

// finish publishes the staging directory: everything on success, only the
// log on failure, so a failed target never leaves half-written packages.
func (r *runner) finish(ctx context.Context, res *Result, log *targetLog, stage *artifacts.Staging) {
	if !res.OK {
		res.Tail = log.Tail(15)
		res.Artifacts = nil
		if err := stage.KeepOnly("build.log"); err != nil {
			stage.Discard()
			return
		}
	}
	if err := stage.Publish(); err != nil {
		stage.Discard()
		if res.OK {
			res.OK, res.Err, res.Step = false, err, "collect"
		}
	}
}

// CacheVolume names the cache volume of a target: one per matrix and target,
// shared by every run on this daemon.
func CacheVolume(matrixName, target string) string {
	return "dbuilder-cache-" + matrixName + "-" + target
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
