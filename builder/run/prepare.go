package run

import (
	"context"
	"errors"
	"time"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// prepare makes what the build container needs: the builder image and,
// for a target with a sidecar (test.docker, or package tests that need a
// daemon), its sidecar with the preload images in
// it. The sidecar starts and the preloads are copied while the image
// builds (on a first run, the image is the long part); the first of the
// two to fail cancels the other, and its step is the one the target
// failed in. prepare returns only when both are done: the sidecar it
// returns (even with an error) is the caller's to stop.
func (r *runner) prepare(ctx context.Context, j plan.Job, log *targetLog, res *report.Result, key *string) (*sidecar.Sidecar, error) {
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	fail := func(step string, err error) { cancel(stepError{step, err}) }
	var sd *side
	if j.Sidecar {
		sd = r.startSide(pctx, j, log, fail)
	}
	err := r.imageAndKey(pctx, j, log, res, key)
	if err != nil {
		fail(StepImage, err)
	} else if sd != nil {
		log.EndStep() // the image is done; what remains of the sidecar's steps shows alone
	}
	var sc *sidecar.Sidecar
	var serr error
	if sd != nil {
		<-sd.done
		sc, serr = sd.sc, sd.err
		res.InnerDaemonID, res.InnerCleared = sd.innerID, sd.cleared
		res.Preloaded, res.PreloadReused = sd.preload.Loaded, sd.preload.Reused
	}
	var first stepError
	switch {
	case errors.As(context.Cause(pctx), &first):
		// One failed on its own; the other's error, if any, is its cancel.
		res.Step = first.step
		return sc, first.err
	case err != nil: // ctx ended (interrupt, timeout) while the image built
		res.Step = StepImage
		return sc, err
	case serr != nil:
		res.Step = sd.step
		return sc, serr
	}
	return sc, nil
}

// stepError is the first failure of prepare's two branches.
type stepError struct {
	step string
	err  error
}

func (e stepError) Error() string { return e.step + ": " + e.err.Error() }

// imageAndKey makes sure the builder image exists, then takes the result key.
func (r *runner) imageAndKey(ctx context.Context, j plan.Job, log *targetLog, res *report.Result, key *string) error {
	img, err := r.builderImage(ctx, j, log)
	res.BuilderImage, res.BuilderImageReused = j.ImageTag, img.from == imageReused
	if img.from == imagePulled && err == nil {
		res.BuilderImagePulled = r.cache.Ref(j.CacheTag)
	}
	if err != nil {
		return err
	}
	// The key is taken before the source is copied: if the source changes
	// during the build, the next build sees a different key and builds
	// again (never the other way round).
	*key, err = r.resultKey(ctx, j)
	return err
}

// side is the sidecar branch of prepare: the target's daemon started,
// then the preload images copied into it. Its fields are read after done
// is closed.
type side struct {
	done    chan struct{}
	sc      *sidecar.Sidecar
	err     error
	step    string // where err happened
	innerID string
	cleared []string
	preload sidecar.PreloadResult
}

// startSide starts the sidecar branch; fail is told its failure. Its log
// lines are whole lines, as the image build's are, so the two interleave
// line by line in build.log.
func (r *runner) startSide(ctx context.Context, j plan.Job, log *targetLog, fail func(string, error)) *side {
	sd := &side{done: make(chan struct{})}
	go func() {
		defer close(sd.done)
		if sd.err = r.sidecar(ctx, j, log, sd); sd.err != nil {
			fail(sd.step, sd.err)
		}
	}()
	return sd
}

func (r *runner) sidecar(ctx context.Context, j plan.Job, log *targetLog, sd *side) (err error) {
	sd.step = StepSidecar
	end := log.Beside(StepSidecar)
	log.Printf("dbuilder: starting sidecar on cache volume %s", j.Names.Cache)
	t0 := time.Now()
	sd.sc, err = sidecar.Start(ctx, r.eng, sidecar.Config{
		Image: r.opt.Sidecar, Mode: r.mode, Run: r.run, Target: j.Names,
		NanoCPUs: r.opt.NanoCPUs, Memory: r.opt.Memory, MTU: r.mtu,
		Alive: r.live.Alive, Log: log,
	})
	end()
	if err != nil {
		return err
	}
	sd.innerID, sd.cleared = sd.sc.InnerID, sd.sc.Cleared
	if len(sd.cleared) > 0 {
		log.Printf("dbuilder: removed what an earlier run left in the target's daemon: %v", sd.cleared)
	}
	log.Printf("dbuilder: sidecar ready in %s (inner daemon %s)", time.Since(t0).Round(time.Millisecond), short(sd.innerID))
	if len(j.Target.Test.Preload) == 0 {
		return nil
	}
	sd.step = StepPreload
	end = log.Beside(StepPreload)
	defer end()
	log.Printf("dbuilder: preloading %v", j.Target.Test.Preload)
	sd.preload, err = sd.sc.Preload(ctx, j.Target.Test.Preload)
	if err != nil {
		return err
	}
	log.Printf("dbuilder: preload: %d copied %v, %d already there %v", len(sd.preload.Loaded), sd.preload.Loaded, len(sd.preload.Reused), sd.preload.Reused)
	return nil
}
