package run

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/report"
)

// Prebuilt returns each job's last good build from the output directory
// without building anything: `release --prebuilt`, which releases what
// earlier jobs built and tested (a CI pipeline's build jobs, whose
// DIR/<target>/ arrive as artifacts). Their result keys are not asked
// (the builds ran elsewhere, on another daemon); every file must still
// have the sum its build recorded. A target without a good build, or whose
// files differ from the record, is a failed result naming why. Like Build,
// it first pulls the targets' base images under opt.Pull: release starts
// its clean containers from them.
func Prebuilt(ctx context.Context, eng Engine, jobs []plan.Job, opt Options) ([]report.Result, error) {
	if err := writable(opt.OutputDir); err != nil {
		return nil, InputError{err}
	}
	var ws []pull.Want
	for _, w := range wants(ctx, eng, jobs, opt) {
		if w.Why == whyBase {
			ws = append(ws, w)
		}
	}
	if err := pullAll(ctx, eng, ws, opt); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, InputError{err}
	}
	out := make([]report.Result, len(jobs))
	for i, j := range jobs {
		dir := filepath.Join(opt.OutputDir, j.Name())
		rec, err := report.ReadRecord(dir)
		if err == nil && rec.Target != j.Name() {
			err = fmt.Errorf("%s in %s is the record of target %q, not of %s", report.ResultFile, dir, rec.Target, j.Name())
		} else if err == nil {
			err = rec.Check(dir)
		} else if errors.Is(err, fs.ErrNotExist) {
			err = fmt.Errorf("no good build of %s in %s (no %s): build it first (dbuilder build, or the pipeline's build job)", j.Name(), dir, report.ResultFile)
		}
		if err != nil {
			out[i] = report.Result{Target: j.Name(), Distro: j.Target.Distro, Arch: j.Arch, Emulated: j.Foreign, Dir: dir, Step: StepBuild, Err: err}
			continue
		}
		out[i] = fromRecord(j, dir, rec)
	}
	return out, nil
}

// fromRecord is the result of j's good build that rec (in dir) describes.
func fromRecord(j plan.Job, dir string, rec report.Record) report.Result {
	res := report.Result{Target: j.Name(), Distro: j.Target.Distro, Arch: j.Arch, Emulated: j.Foreign, OK: true, Dir: dir, Cached: &rec, Record: &rec,
		Log: filepath.Join(dir, report.LogFile), BuilderImage: j.ImageTag, BuilderImageReused: true}
	for _, a := range rec.Artifacts {
		res.Artifacts = append(res.Artifacts, a.Name)
	}
	for _, a := range rec.Reports {
		res.Reports = append(res.Reports, a.Name)
	}
	return res
}
