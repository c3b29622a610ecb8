package run

import (
	"context"
	"io"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/progress"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// ImageResult is what Images did for one builder image.
type ImageResult struct {
	Name     string   // its tag in the cache registry: distro, architecture, hash
	Image    string   // its name on the daemon
	Targets  []string // the selected targets that use it
	From     string   // "reused", "pulled" or "built"
	Cached   string   // the cache registry reference that holds it ("" if none does)
	Err      error
	Duration time.Duration
}

// Images makes the builder images of jobs, each once however many targets
// share it, and makes sure the cache registry (opt.Cache) holds each: what
// dbuilder build --images-only runs in a pipeline's first stage, so that
// the targets' jobs pull them instead of building them. No sidecar and no
// package build. The error is for the run as a whole; a failed image is
// in its result.
func Images(ctx context.Context, eng Engine, jobs []plan.Job, opt Options) ([]ImageResult, error) {
	opt.defaults()
	r := newRunner(eng, opt)
	ctx, stopWatch := r.watchDaemon(ctx)
	defer stopWatch()
	info, err := eng.Info(ctx)
	if err != nil {
		return nil, orSilenced(ctx, StepPrepare, err)
	}
	if err := imagesReady(ctx, eng, info, jobs, opt); err != nil {
		return nil, orSilenced(ctx, StepPrepare, err)
	}
	if needsDocker(jobs) {
		// Builder images of such targets copy the docker CLI from it.
		prog := aside(r.view, "sidecar-image")
		note, err := sidecar.Ensure(ctx, eng, opt.Sidecar, sidecar.EnsureOptions{Version: r.run.Version, Bases: opt.SidecarBases, Progress: prog})
		prog.Flush()
		if err != nil {
			return nil, orSilenced(ctx, StepPrepare, err)
		}
		if note != "" {
			r.view.Line("", "dbuilder: "+note)
		}
	}
	first, results := byImage(jobs)
	names := make([]string, len(results))
	for i := range results {
		names[i] = results[i].Name
	}
	r.view.Plan(names)
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(opt.Jobs)
	for i, j := range first {
		g.Go(func() error {
			r.image(gctx, j, &results[i])
			if results[i].Err != nil && opt.FailFast {
				return results[i].Err
			}
			return nil
		})
	}
	g.Wait()
	return results, nil
}

// byImage groups jobs by builder image, in order: the first job of each,
// and a result naming every target that uses it.
func byImage(jobs []plan.Job) ([]plan.Job, []ImageResult) {
	var first []plan.Job
	var results []ImageResult
	at := map[string]int{}
	for _, j := range jobs {
		i, ok := at[j.ImageTag]
		if !ok {
			i = len(first)
			at[j.ImageTag] = i
			first = append(first, j)
			results = append(results, ImageResult{Name: j.CacheTag, Image: j.ImageTag})
		}
		results[i].Targets = append(results[i].Targets, j.Name())
	}
	return first, results
}

// image makes one builder image and shares it through the cache registry.
func (r *runner) image(ctx context.Context, j plan.Job, res *ImageResult) {
	start := time.Now()
	r.view.Start(res.Name)
	log := newTargetLog(io.Discard, r.view, res.Name)
	defer func() {
		res.Duration = time.Since(start)
		log.Flush()
		o := progress.Outcome{Word: res.From, Duration: res.Duration}
		if res.Err != nil {
			o = progress.Outcome{Word: "FAILED", Failed: true, Duration: res.Duration}
		}
		r.view.Finish(res.Name, o)
	}()
	if j.Target.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, j.Target.Timeout)
		defer cancel()
	}
	log.SetStep(StepImage)
	step, err := r.builderImage(ctx, j, log)
	res.From = step.from.String()
	if err == nil {
		switch {
		case step.from == imagePulled || step.pushed:
			res.Cached = r.cache.Ref(j.CacheTag)
		case step.from == imageReused:
			// On this daemon already: the registry may still lack it.
			var ok bool
			if ok, err = r.cache.Publish(ctx, j.ImageTag, j.CacheTag, log); ok {
				res.Cached = r.cache.Ref(j.CacheTag)
			}
		}
	}
	if err != nil {
		res.Err = orSilenced(ctx, StepImage, err)
	}
}
