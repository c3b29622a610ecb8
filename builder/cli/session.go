package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/session"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// dial connects to the daemon, waiting for one still starting when wait
// is set; tests replace it with a fake.
var dial = func(ctx context.Context, stderr io.Writer, wait bool) (engine.Engine, error) {
	eng, err := connect(ctx, stderr, wait)
	if err != nil {
		return nil, err
	}
	return eng, nil
}

// connect opens the endpoint the environment names (DOCKER_HOST and
// friends): the one place below main that reads it. A TCP endpoint without
// TLS gets a warning.
func connect(ctx context.Context, stderr io.Writer, wait bool) (*engine.Docker, error) {
	ep := engine.EndpointFromEnv(os.Getenv)
	if ep.PlainTCP() {
		fmt.Fprintf(stderr, "dbuilder: warning: %s is TCP without TLS: anything that can reach that port (a container included) owns the daemon; use TLS (DOCKER_CERT_PATH, DOCKER_TLS_VERIFY) or a unix socket\n", ep)
	}
	if wait {
		bound, err := startWait(ep, os.Getenv("DBUILDER_DAEMON_WAIT"))
		if err != nil {
			return nil, err
		}
		note := func(s string) { fmt.Fprintf(stderr, "dbuilder: %s\n", s) }
		if err := engine.WaitStarted(ctx, ep, bound, note); err != nil {
			return nil, err
		}
	}
	return engine.New(ctx, ep)
}

// startWait is how long to wait for a daemon that is still starting:
// DBUILDER_DAEMON_WAIT (a duration; 0 does not wait), else
// engine.DefaultStartWait for a TCP endpoint (a CI job's dind service may
// start after the job) and nothing for a local socket or ssh, where a
// daemon that is not there is not about to be.
func startWait(ep engine.Endpoint, env string) (time.Duration, error) {
	if env != "" {
		d, err := time.ParseDuration(env)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("DBUILDER_DAEMON_WAIT=%q: want a duration such as 60s or 2m (0 does not wait)", env)
		}
		return d, nil
	}
	if strings.HasPrefix(ep.Host, "tcp://") {
		return engine.DefaultStartWait, nil
	}
	return 0, nil
}

// config is a session's configuration from the command's flags: the
// --mirror flag, else DBUILDER_MIRROR; the sidecar image the flag names,
// else DBUILDER_SIDECAR_IMAGE, else dbuilder's own.
func config(stderr io.Writer, file, sel, mirror, sidecarRef string) session.Config {
	if mirror == "" {
		mirror = os.Getenv("DBUILDER_MIRROR")
	}
	return session.Config{
		File: file, Select: sel, Mirror: mirror, Sidecar: sidecarImage(sidecarRef), Version: Version,
		Connect: func(ctx context.Context) (engine.Engine, error) { return dial(ctx, stderr, true) },
	}
}

// open starts a command's session; bad input and an unreachable daemon
// are usage errors (exit 2).
func open(ctx context.Context, c session.Config) (*session.Session, error) {
	s, err := session.Open(ctx, c)
	return s, sessionError(err)
}

func sessionError(err error) error {
	if errors.As(err, new(session.InputError)) || errors.As(err, new(session.ConnectError)) {
		return UsageError{err}
	}
	return err
}

// planFor resolves the jobs of a command that needs no daemon (plan,
// dockerfile, ci) for the --platform architecture, else the daemon's when
// it answers quickly, else this machine's: said on stderr when the matrix
// has an arch axis, where it matters.
func planFor(ctx context.Context, stderr io.Writer, c session.Config, platform string) (*matrix.Matrix, []plan.Job, error) {
	if platform != "" {
		arch, err := session.Platform(platform)
		if err != nil {
			return nil, nil, UsageError{err}
		}
		m, jobs, err := session.Plan(c, arch)
		return m, jobs, sessionError(err)
	}
	// A bad matrix is said at once, not after the daemon's answer.
	if _, _, err := session.Select(c); err != nil {
		return nil, nil, sessionError(err)
	}
	// A probe asks whoever answers at once: no wait for a daemon starting.
	arch, probeErr := session.Probe(ctx, func(ctx context.Context) (engine.Engine, error) { return dial(ctx, stderr, false) })
	if probeErr != nil {
		arch = session.Local()
	}
	m, jobs, err := session.Plan(c, arch)
	if err != nil {
		return nil, nil, sessionError(err)
	}
	if probeErr != nil && slices.ContainsFunc(jobs, func(j plan.Job) bool { return j.Target.Axes["arch"] != "" }) {
		fmt.Fprintf(stderr, "dbuilder: note: no Docker daemon answered, so targets are shown as on a %s one (--platform picks another)\n", arch.Name)
	}
	return m, jobs, nil
}

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
