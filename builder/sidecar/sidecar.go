package sidecar

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// SocketDir is where the inner daemon's socket lives, in the sidecar and in
// the build container (both mount the run's socket volume there).
const SocketDir = "/var/run/dind"

// LastUsedFile is touched in the cache volume each time a sidecar starts on
// it, so `dbuilder cache ls` can tell when a cache was last used.
const LastUsedFile = ".dbuilder-last-used"

// Host is the DOCKER_HOST value that reaches the inner daemon.
const Host = "unix://" + SocketDir + "/docker.sock"

// Config describes one target's sidecar.
type Config struct {
	Image   Image
	Mode    Mode
	Run     string
	Matrix  string
	Target  string
	Version string
	// Cache is the cache volume that holds the inner data root. The sidecar's
	// container name is derived from it: a daemon refuses a second container
	// of the same name, which makes the name the lock on the volume.
	Cache    string
	NanoCPUs int64
	Memory   int64
	// Alive tells whether a run still exists, to take over a sidecar that a
	// dead run left behind instead of waiting for it forever.
	Alive func(ctx context.Context, run string) bool
	Log   io.Writer // progress lines ("waiting for cache ...")
}

// Sidecar is a running inner daemon.
type Sidecar struct {
	ID      string
	Name    string
	Socket  string // socket volume name
	InnerID string // the inner daemon's ID (docker info)
	Waited  time.Duration
	eng     engine.Engine
	cfg     Config
}

// NameFor is the sidecar container name that locks cache volume cache.
func NameFor(cache string) string {
	return "dbuilder-lock-" + strings.TrimPrefix(cache, "dbuilder-cache-")
}

// Start creates the volumes, takes the cache lock (waiting for another run
// that holds it), starts the inner dockerd and waits until it answers. On
// error, whatever it created is removed again.
func Start(ctx context.Context, eng engine.Engine, cfg Config) (_ *Sidecar, err error) {
	s := &Sidecar{Name: NameFor(cfg.Cache), Socket: "dbuilder-sock-" + cfg.Run + "-" + cfg.Target, eng: eng, cfg: cfg}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	cacheLabels := labels.For("", cfg.Matrix, cfg.Target, labels.RoleCache, cfg.Version)
	if err := eng.VolumeCreate(ctx, cfg.Cache, cacheLabels); err != nil {
		return nil, err
	}
	if err := eng.VolumeCreate(ctx, s.Socket, labels.For(cfg.Run, cfg.Matrix, cfg.Target, labels.RoleSocket, cfg.Version)); err != nil {
		return nil, err
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	if err := eng.ContainerStart(ctx, s.ID); err != nil {
		return nil, fmt.Errorf("start sidecar: %w", shortErr(err))
	}
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	s.eng.Exec(ctx, s.ID, []string{"touch", "/var/lib/docker/" + LastUsedFile}, nil, nil)
	return s, nil
}

func (s *Sidecar) spec() engine.ContainerSpec {
	c := s.cfg
	lb := labels.For(c.Run, c.Matrix, c.Target, labels.RoleSidecar, c.Version)
	lb[labels.Cache] = c.Cache
	spec := engine.ContainerSpec{
		Name: s.Name, Image: c.Image.Ref, Labels: lb,
		Cmd: []string{"dockerd", "--host=" + Host, "--cgroup-parent=/dbuilder/" + s.Name},
		Mounts: []engine.Mount{
			{Type: "volume", Source: c.Cache, Target: "/var/lib/docker"},
			{Type: "volume", Source: s.Socket, Target: SocketDir},
		},
		NanoCPUs: c.NanoCPUs, Memory: c.Memory,
	}
	if c.Image.Official {
		// docker:dind's entrypoint sets up cgroups and then runs our args.
		spec.Entrypoint = []string{"dockerd-entrypoint.sh"}
	}
	applyMode(&spec, c.Mode)
	return spec
}

// lock creates the sidecar container under its lock name, waiting while a
// live run holds it and removing one that a dead run left behind.
func (s *Sidecar) lock(ctx context.Context) error {
	said := false
	start := time.Now()
	for {
		id, err := s.eng.ContainerCreate(ctx, s.spec())
		if err == nil {
			s.ID = id
			s.Waited = time.Since(start)
			return nil
		}
		if !errors.Is(err, engine.ErrConflict) {
			return err
		}
		holder, ierr := s.eng.ContainerInspect(ctx, s.Name)
		if errors.Is(ierr, engine.ErrNotFound) {
			continue // gone between the two calls: try again
		}
		if ierr != nil {
			return ierr
		}
		run := holder.Labels[labels.Run]
		if s.cfg.Alive != nil && !s.cfg.Alive(ctx, run) {
			s.logf("cache %s: removing the sidecar of run %s, which no longer exists", s.cfg.Cache, run)
			if err := s.eng.ContainerRemove(ctx, holder.ID); err != nil {
				return err
			}
			continue
		}
		if !said {
			s.logf("cache %s is in use by run %s; waiting for it to finish", s.cfg.Cache, run)
			said = true
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}

// waitReady polls the inner daemon with growing delays until it answers.
func (s *Sidecar) waitReady(ctx context.Context) error {
	delay := 25 * time.Millisecond
	deadline := time.Now().Add(90 * time.Second)
	for {
		var out bytes.Buffer
		code, err := s.eng.Exec(ctx, s.ID, []string{"docker", "-H", Host, "info", "--format", "{{.ID}}"}, nil, &out)
		if err == nil && code == 0 {
			s.InnerID = strings.TrimSpace(out.String())
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if st, ierr := s.eng.ContainerInspect(ctx, s.ID); ierr == nil && !st.Running {
			return fmt.Errorf("sidecar exited before its daemon was ready (state %s)%s", st.State, s.LogTail(ctx, 20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sidecar daemon not ready after 90s%s", s.LogTail(ctx, 20))
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(delay):
		}
		if delay < time.Second {
			delay *= 2
		}
	}
}

// Alive reports whether the sidecar container is still running.
func (s *Sidecar) Alive(ctx context.Context) bool {
	st, err := s.eng.ContainerInspect(ctx, s.ID)
	return err == nil && st.Running
}

// LogTail returns the sidecar's last n log lines, indented, for error messages.
func (s *Sidecar) LogTail(ctx context.Context, n int) string {
	if ctx.Err() != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
	}
	var b bytes.Buffer
	if err := s.eng.ContainerLogs(ctx, s.ID, false, fmt.Sprint(n), &b); err != nil || b.Len() == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	return "\n  sidecar log (last lines):\n    " + strings.Join(lines, "\n    ")
}

// Stop removes the inner containers, stops the inner daemon cleanly (its
// data root must stay usable), then removes the sidecar and the socket
// volume. The cache volume is kept. It runs on its own context so that it
// works after the caller's was cancelled; NotFound counts as done.
func (s *Sidecar) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var errs []error
	if s.ID != "" {
		if s.Alive(ctx) {
			// Inner test containers must not outlive the run; then drop the
			// cgroups the inner daemon made on the host (capability-set mode).
			script := `ids=$(docker -H ` + Host + ` ps -aq); [ -z "$ids" ] || docker -H ` + Host + ` rm -f $ids >/dev/null`
			s.eng.Exec(ctx, s.ID, []string{"sh", "-c", script}, nil, nil)
			_ = s.eng.ContainerStop(ctx, s.ID, 20*time.Second)
			if s.cfg.Mode == CapSet {
				s.cleanCgroups(ctx)
			}
		}
		if err := s.eng.ContainerRemove(ctx, s.ID); err != nil {
			errs = append(errs, err)
		}
	}
	if err := s.eng.VolumeRemove(ctx, s.Socket); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (s *Sidecar) logf(format string, a ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, format+"\n", a...)
	}
}
