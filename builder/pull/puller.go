package pull

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
)

// Want is an image a run needs and what for ("base image", "preload
// image", "sidecar image"), for messages; Platform ("linux/arm64/v8")
// pulls a foreign architecture's image, "" the daemon's own.
type Want struct{ Ref, Why, Platform string }

// Puller pulls the images of one run. It remembers what it pulled, so
// nothing is pulled twice, and which registries could not be reached, so
// that no other image is tried from them. Not for concurrent use.
type Puller struct {
	eng      Engine
	policy   Policy
	progress func(ref string) io.Writer
	done     map[string]bool  // refs pulled by this Puller
	down     map[string]error // unreachable registries, and why
	Pulled   []string         // in order
}

// New returns a Puller for one run; progress(ref) is where ref's pull
// progress goes (nil: nowhere).
func New(eng Engine, policy Policy, progress func(ref string) io.Writer) *Puller {
	if progress == nil {
		progress = func(string) io.Writer { return io.Discard }
	}
	return &Puller{eng: eng, policy: policy, progress: progress, done: map[string]bool{}, down: map[string]error{}}
}

// Ensure pulls, one after the other, the wanted images the policy asks for:
// under Missing those the daemon lacks, under Always all of them, under
// Never none. It returns one error per image it could not pull, joined;
// the caller checks afterwards that every image is there.
func (p *Puller) Ensure(ctx context.Context, wants []Want) error {
	var errs []error
	for _, w := range wants {
		if err := p.one(ctx, w); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			errs = append(errs, err)
		}
	}
	if len(p.down) > 0 {
		errs = append(errs, errors.New(OfflineFix))
	}
	return errors.Join(errs...)
}

// OfflineFix is what to do when a registry cannot be reached.
const OfflineFix = "offline? make the images on the daemon (bash scripts/setup.sh makes the Debian ones) and build with --pull never; or pull through a registry you can reach (images.mirror in the matrix, or --mirror)"

func (p *Puller) one(ctx context.Context, w Want) error {
	if p.policy == Never || p.done[w.Ref] {
		return nil
	}
	if p.policy == Missing {
		_, err := p.eng.Image(ctx, w.Ref)
		if err == nil {
			return nil
		}
		if !errors.Is(err, engine.ErrNotFound) {
			return err
		}
	}
	host := engine.RegistryOf(w.Ref)
	if _, down := p.down[host]; down {
		return fmt.Errorf("%s %s: not pulled: registry %s cannot be reached (see above)", w.Why, w.Ref, host)
	}
	out := p.progress(w.Ref)
	fmt.Fprintf(out, "pulling the %s from %s\n", w.Why, host)
	start := time.Now()
	err := p.eng.ImagePull(ctx, w.Ref, engine.PullOptions{Progress: out, Platform: w.Platform})
	if err == nil {
		fmt.Fprintf(out, "pulled in %.1fs\n", time.Since(start).Seconds())
		p.done[w.Ref] = true
		p.Pulled = append(p.Pulled, w.Ref)
		return nil
	}
	fmt.Fprintf(out, "failed after %.1fs\n", time.Since(start).Seconds())
	reason := err.Error()
	var re *engine.RegistryError
	if errors.As(err, &re) {
		reason = re.Reason
	}
	switch {
	case errors.Is(err, engine.ErrUnreachable):
		p.down[host] = err
		return fmt.Errorf("%s %s: registry %s cannot be reached: %s", w.Why, w.Ref, host, reason)
	case errors.Is(err, engine.ErrDenied):
		return fmt.Errorf("%s %s: registry %s refused it: %s\n  log in first (docker login %s): dbuilder sends the credentials the docker CLI keeps in $DOCKER_CONFIG/config.json (default ~/.docker/config.json)", w.Why, w.Ref, host, reason, host)
	case errors.Is(err, engine.ErrNotFound):
		return fmt.Errorf("%s %s: not in registry %s: %s", w.Why, w.Ref, host, reason)
	}
	return fmt.Errorf("%s %s: %w", w.Why, w.Ref, err)
}
