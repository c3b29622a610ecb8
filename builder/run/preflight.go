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
// can start: the output directory is writable and is not a source directory
// itself; then it pulls what the pull policy asks for (see wants), checks
// that every image the run needs is on the daemon, and that the endpoint
// runs each foreign target's userland. It reports every problem at once.
func Preflight(ctx context.Context, eng Engine, info engine.Info, jobs []plan.Job, opt Options) error {
	if err := outputIsSource(opt.OutputDir, jobs); err != nil {
		return InputError{err}
	}
	if err := writable(opt.OutputDir); err != nil {
		return InputError{err}
	}
	return imagesReady(ctx, eng, info, jobs, opt)
}

// imagesReady pulls what the pull policy asks for (see wants), then checks
// that every image the run needs is on the daemon and that the endpoint
// runs each foreign target's userland; every problem at once.
func imagesReady(ctx context.Context, eng Engine, info engine.Info, jobs []plan.Job, opt Options) error {
	ws := wants(ctx, eng, jobs, opt)
	if err := pullAll(ctx, eng, ws, opt); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return InputError{err}
	}
	var errs []error
	for _, w := range ws {
		if _, err := eng.Image(ctx, w.Ref); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				errs = append(errs, fmt.Errorf("%s %s is not on the Docker daemon: %s", w.Why, w.Ref, fixFor(w, jobs)))
			} else {
				errs = append(errs, err)
			}
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
