package session

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/distros"
)

// InputError is a problem the user fixes in the matrix or on the command
// line.
type InputError struct{ Err error }

func (e InputError) Error() string { return e.Err.Error() }
func (e InputError) Unwrap() error { return e.Err }

// ConnectError is a daemon that could not be reached.
type ConnectError struct{ Err error }

func (e ConnectError) Error() string { return e.Err.Error() }
func (e ConnectError) Unwrap() error { return e.Err }

// loaded is a matrix and its selected targets, not yet resolved.
type loaded struct {
	m       *matrix.Matrix
	targets []matrix.Target
}

// Plan loads, selects and resolves for a daemon of architecture arch,
// without one: what plan, dockerfile and ci show.
func Plan(c Config, arch distros.Arch) (*matrix.Matrix, []plan.Job, error) {
	l, err := load(c)
	if err != nil {
		return nil, nil, err
	}
	jobs, err := l.resolve(c.Sidecar, arch)
	return l.m, jobs, err
}

// Select loads the matrix and picks the targets c.Select names.
func Select(c Config) (*matrix.Matrix, []matrix.Target, error) {
	l, err := load(c)
	return l.m, l.targets, err
}

func load(c Config) (loaded, error) {
	if c.File == "" {
		return loaded{}, nil
	}
	m, err := matrix.Load(c.File)
	if err != nil {
		return loaded{}, InputError{matrixError(c.File, err)}
	}
	if c.Mirror != "" {
		if err := m.UseMirror(c.Mirror); err != nil {
			return loaded{}, InputError{fmt.Errorf("--mirror (or DBUILDER_MIRROR): %w", err)}
		}
	}
	targets, err := matrix.Select(m.Targets, c.Select)
	if err != nil {
		return loaded{}, InputError{fmt.Errorf("--distro %q: %w", c.Select, err)}
	}
	return loaded{m, targets}, nil
}

// resolve resolves the targets for a daemon of architecture native: which
// targets are emulated, and so their base images, depend on it.
func (l loaded) resolve(sc sidecar.Image, native distros.Arch) ([]plan.Job, error) {
	jobs, err := plan.Resolve(l.m, l.targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}, NativeArch: native.Name})
	if err != nil {
		return nil, InputError{err}
	}
	return jobs, nil
}

// matrixError words a load failure. Several problems go under a heading so
// that each FILE:LINE:COL starts its own line, where editors pick it up.
func matrixError(file string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no matrix file %s (write one with 'dbuilder init', or name one with -f FILE)", file)
	}
	if n := len(matrix.Problems(err)); n > 1 {
		return fmt.Errorf("%s has %d problems:\n%w", file, n, err)
	}
	return err
}

// ProbeTimeout bounds Probe: a command that only shows a plan does not
// wait for a slow daemon.
const ProbeTimeout = 3 * time.Second

// Probe asks the daemon its architecture, giving up after ProbeTimeout.
func Probe(ctx context.Context, connect func(context.Context) (engine.Engine, error)) (distros.Arch, error) {
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	eng, err := connect(ctx)
	if err != nil {
		return distros.Arch{}, err
	}
	defer eng.Close()
	info, err := eng.Info(ctx)
	if err != nil {
		return distros.Arch{}, err
	}
	return ArchOf(info), nil
}
