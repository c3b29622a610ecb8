package run

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// InputError is a problem with what the user asked for, found before
// anything was created: the CLI reports it with exit code 2.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

// Preflight checks, before any container or volume exists, that every job
// can start: the output directory is writable, each target's architecture
// is the endpoint's, and its base and preload images are on the daemon. It
// reports every problem at once.
func Preflight(ctx context.Context, eng engine.Engine, info engine.Info, jobs []plan.Job, opt Options) error {
	var errs []error
	if err := writable(opt.OutputDir); err != nil {
		errs = append(errs, err)
	}
	seen := map[string]bool{}
	need := func(ref, why, fix string) {
		if seen[ref] {
			return
		}
		seen[ref] = true
		if _, err := eng.Image(ctx, ref); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				errs = append(errs, fmt.Errorf("%s %s is not on the Docker daemon: %s", why, ref, fix))
			} else {
				errs = append(errs, err)
			}
		}
	}
	for _, j := range jobs {
		fix := "docker pull it, or for Debian suites run: bash scripts/make-images.sh"
		if j.Foreign {
			fix = fmt.Sprintf("docker pull it, or for Debian suites run: DBUILDER_ARCHES=%s bash scripts/setup.sh", j.Arch)
		}
		need(j.Distro.Image, "base image", fix)
		for _, p := range j.Target.Test.Preload {
			need(p, "preload image", "build or pull it on the host daemon first (test.preload copies it from there)")
		}
	}
	if len(errs) == 0 {
		errs = append(errs, checkArches(ctx, eng, info, jobs, opt.Run.Version)...)
	}
	if len(errs) > 0 {
		return InputError{errors.Join(errs...)}
	}
	return nil
}

// writable checks that dir exists or can be made, and takes a file.
func writable(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("--output %s: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".dbuilder-probe-")
	if err != nil {
		return fmt.Errorf("--output %s is not writable: %w", dir, err)
	}
	f.Close()
	return os.Remove(f.Name())
}
