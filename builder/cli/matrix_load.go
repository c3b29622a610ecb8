package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"runtime"
	"slices"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/distros"
)

// loadSelected loads the matrix file and picks the targets a --distro
// selector names (all when sel is empty). Every error is a UsageError: the
// user fixes it in the file or on the command line (exit 2).
func loadSelected(file, sel string) (*matrix.Matrix, []matrix.Target, error) {
	return loadSelectedWith(file, sel, "")
}

// loadSelectedWith is loadSelected with a Docker Hub mirror prefix that
// replaces the matrix's images.mirror ("" keeps it).
func loadSelectedWith(file, sel, mirror string) (*matrix.Matrix, []matrix.Target, error) {
	m, err := matrix.Load(file)
	if err != nil {
		return nil, nil, UsageError{matrixError(file, err)}
	}
	if mirror != "" {
		if err := m.UseMirror(mirror); err != nil {
			return nil, nil, UsageError{fmt.Errorf("--mirror (or DBUILDER_MIRROR): %w", err)}
		}
	}
	targets, err := matrix.Select(m.Targets, sel)
	if err != nil {
		return nil, nil, UsageError{fmt.Errorf("--distro %q: %w", sel, err)}
	}
	return m, targets, nil
}

// loadJobs loads, selects and resolves: the one way every command gets
// its jobs, so build and dockerfile cannot disagree. Targets are resolved
// for a daemon of this machine's architecture; resolveFor redoes it for
// the daemon's own once one is connected.
func loadJobs(file, sel string, sc sidecar.Image) (*matrix.Matrix, []plan.Job, error) {
	return loadJobsWith(file, sel, sc, "")
}

// loadJobsWith is loadJobs for commands with a --mirror flag: the flag,
// else DBUILDER_MIRROR, else the matrix's images.mirror.
func loadJobsWith(file, sel string, sc sidecar.Image, mirrorFlag string) (*matrix.Matrix, []plan.Job, error) {
	if mirrorFlag == "" {
		mirrorFlag = os.Getenv("DBUILDER_MIRROR")
	}
	m, targets, err := loadSelectedWith(file, sel, mirrorFlag)
	if err != nil {
		return nil, nil, err
	}
	jobs, err := resolveFor(m, targets, sc, runtime.GOARCH)
	return m, jobs, err
}

// resolveFor resolves targets for a daemon of architecture native.
func resolveFor(m *matrix.Matrix, targets []matrix.Target, sc sidecar.Image, native string) ([]plan.Job, error) {
	jobs, err := plan.Resolve(m, targets, plan.Options{DockerCLI: render.DockerCLI{Image: sc.Ref, Path: sc.CLIPath}, NativeArch: native})
	if err != nil {
		return nil, UsageError{err}
	}
	return jobs, nil
}

// forDaemon re-resolves jobs when the daemon's architecture is not this
// machine's (a remote arm64 build host, say): which targets are native
// depends on it.
func forDaemon(ctx context.Context, eng engine.Engine, m *matrix.Matrix, jobs []plan.Job, sc sidecar.Image) ([]plan.Job, error) {
	info, err := eng.Info(ctx)
	if err != nil {
		return nil, err
	}
	here, _ := distros.LookupArch(runtime.GOARCH)
	there, ok := distros.LookupArch(info.Arch)
	if !ok || there.Name == here.Name {
		return jobs, nil
	}
	targets := make([]matrix.Target, len(jobs))
	for i, j := range jobs {
		targets[i] = j.Target
	}
	return resolveFor(m, targets, sc, there.Name)
}

// mirrorUsage documents --mirror for every command that has it.
const mirrorUsage = "pull Docker Hub's base images through this registry prefix, e.g. $CI_DEPENDENCY_PROXY_GROUP_IMAGE_PREFIX (wins over images.mirror; env DBUILDER_MIRROR)"

// sidecarBases are the Debian images dbuilder's own sidecar image may be
// built from: each default one through the matrix's images settings, then
// as named (an offline machine has the plain ones).
func sidecarBases(m *matrix.Matrix) []string {
	var out []string
	for _, b := range sidecar.DefaultBases {
		for _, ref := range []string{m.Images.Base(b, b), b} {
			if !slices.Contains(out, ref) {
				out = append(out, ref)
			}
		}
	}
	return out
}

// sidecarImage is the sidecar image a command uses: the flag, else
// DBUILDER_SIDECAR_IMAGE, else dbuilder's own.
func sidecarImage(flag string) sidecar.Image {
	if flag == "" {
		flag = os.Getenv("DBUILDER_SIDECAR_IMAGE")
	}
	return sidecar.ImageFor(flag, Version)
}

// connect opens the endpoint the environment names (DOCKER_HOST and
// friends): the one place below main that reads it. A TCP endpoint without
// TLS gets a warning.
func connect(ctx context.Context, stderr io.Writer) (*engine.Docker, error) {
	ep := engine.EndpointFromEnv(os.Getenv)
	if ep.PlainTCP() {
		fmt.Fprintf(stderr, "dbuilder: warning: %s is TCP without TLS: anything that can reach that port (a container included) owns the daemon; use TLS (DOCKER_CERT_PATH, DOCKER_TLS_VERIFY) or a unix socket\n", ep)
	}
	return engine.New(ctx, ep)
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
