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
// is the endpoint's; then it pulls what the pull policy asks for (see
// wants) and checks that every image the run needs is on the daemon. It
// reports every problem at once.
func Preflight(ctx context.Context, eng engine.Engine, info engine.Info, jobs []plan.Job, opt Options) error {
	var errs []error
	if err := writable(opt.OutputDir); err != nil {
		errs = append(errs, err)
	}
	native := NormalizeArch(info.Arch)
	for _, j := range jobs {
		if j.Arch != "" && NormalizeArch(j.Arch) != native {
			errs = append(errs, fmt.Errorf("target %s: arch %s is not the architecture of the daemon at %s (%s); dbuilder builds only for the daemon's own architecture for now: drop %s from the arch axis, or run it against a %s daemon",
				j.Name(), j.Arch, eng.Endpoint(), native, j.Arch, j.Arch))
		}
	}
	if len(errs) > 0 {
		return InputError{errors.Join(errs...)}
	}
	ws := wants(ctx, eng, jobs, opt)
	if err := pullAll(ctx, eng, ws, opt); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return InputError{err}
	}
	for _, w := range ws {
		if _, err := eng.Image(ctx, w.Ref); err != nil {
			if errors.Is(err, engine.ErrNotFound) {
				errs = append(errs, fmt.Errorf("%s %s is not on the Docker daemon: %s", w.Why, w.Ref, fixFor(w.Why)))
			} else {
				errs = append(errs, err)
			}
		}
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

// NormalizeArch maps kernel and daemon architecture names to Debian's
// (x86_64 -> amd64, aarch64 -> arm64), the names the arch axis uses.
func NormalizeArch(a string) string {
	switch a {
	case "x86_64", "x86-64":
		return "amd64"
	case "aarch64", "arm64/v8":
		return "arm64"
	case "armv7l", "armhf", "arm":
		return "armhf"
	case "i386", "i686", "386":
		return "i386"
	case "ppc64le":
		return "ppc64el"
	}
	return a
}
