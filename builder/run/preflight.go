package run

import (
	"context"
	"errors"
	"fmt"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/distros"
)

// InputError is a problem with what the user asked for, found before
// anything was created: the CLI reports it with exit code 2.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

// Preflight checks, before any container or volume exists, that every
// target can start: its distro is known, the source has the metadata its
// family needs, and its base and preload images are on the daemon. It
// reports every problem at once.
func Preflight(ctx context.Context, eng engine.Engine, m *matrix.Matrix, targets []matrix.Target) error {
	var errs []error
	seen := map[string]bool{}
	need := func(ref, why, fix string) {
		if seen[ref] {
			return
		}
		seen[ref] = true
		if _, err := eng.ImageID(ctx, ref); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				errs = append(errs, fmt.Errorf("%s %s is not on the Docker daemon: %s", why, ref, fix))
			} else {
				errs = append(errs, err)
			}
		}
	}
	for _, t := range targets {
		d, fam, ok := distros.Lookup(t.Distro)
		if !ok {
			errs = append(errs, fmt.Errorf("target %s: unknown distro %q", t.Name, t.Distro))
			continue
		}
		if _, err := render.ContextFiles(m.SourceDir, fam); err != nil {
			errs = append(errs, fmt.Errorf("target %s: %w", t.Name, err))
		}
		need(d.Image, "base image", "docker pull it, or for Debian suites run: bash scripts/make-images.sh")
		for _, p := range t.Test.Preload {
			need(p, "preload image", "build or pull it on the host daemon first (test.preload copies it from there)")
		}
	}
	if len(errs) > 0 {
		return InputError{errors.Join(errs...)}
	}
	return nil
}
