package sidecar

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// SocketDir is where the inner daemon's socket lives, in the sidecar and in
// the build container (both mount the run's socket volume there).
const SocketDir = "/var/run/dind"

// LastUsedFile is touched in the cache volume each time a sidecar starts on
// it (by its entrypoint: an exec would slow the start), so `dbuilder cache
// ls` can tell when a cache was last used.
const LastUsedFile = ".dbuilder-last-used"

// Host is the DOCKER_HOST value that reaches the inner daemon.
const Host = "unix://" + SocketDir + "/docker.sock"

// ReadyTimeout bounds the wait for the inner daemon to answer.
const ReadyTimeout = 90 * time.Second

// StopGrace is how long the inner daemon gets to shut down cleanly (its
// data root is the kept cache) before it is killed.
const StopGrace = 20 * time.Second

// Config describes one target's sidecar.
type Config struct {
	Image    Image
	Mode     Mode
	Run      ident.Run
	Target   ident.Target // its Cache volume holds the inner data root; its Lock names the sidecar
	NanoCPUs int64
	Memory   int64
	// MTU is the inner daemon's (its --mtu); 0 leaves dockerd's default,
	// 1500. See OuterMTU.
	MTU int
	// Alive tells whether a run still exists, to take over a sidecar that a
	// dead run left behind instead of waiting for it forever.
	Alive func(ctx context.Context, run string) bool
	Log   io.Writer // progress lines ("waiting for cache ...")
}

// Sidecar is a running inner daemon.
type Sidecar struct {
	ID      string
	Socket  string      // socket volume name
	InnerID string      // the inner daemon's ID
	Inner   InnerEngine // the inner daemon
	// Cleared says what earlier runs had left in the inner daemon and
	// Start removed.
	Cleared []string
	eng     Engine
	cfg     Config
}

// Start creates the volumes, takes the cache lock (waiting for another run
// that holds it), starts the inner dockerd, waits until it answers and
// removes containers and networks that earlier runs left in it (images
// stay: they are the cache). On error, whatever it created is removed.
func Start(ctx context.Context, eng Engine, cfg Config) (_ *Sidecar, err error) {
	s := &Sidecar{Socket: cfg.Run.Socket(cfg.Target), eng: eng, cfg: cfg}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := eng.VolumeCreate(ctx, cfg.Target.Cache, ident.Kept(cfg.Run.Version).Labels(labels.RoleCache, cfg.Target)); err != nil {
		return nil, err
	}
	if err := eng.VolumeCreate(ctx, s.Socket, cfg.Run.Labels(labels.RoleSocket, cfg.Target)); err != nil {
		return nil, err
	}
	if err := s.lock(ctx); err != nil {
		return nil, err
	}
	if err := eng.ContainerStart(ctx, s.ID); err != nil {
		return nil, fmt.Errorf("start sidecar: %w", shortErr(err))
	}
	if s.Inner, err = eng.Inner(ctx, s.ID, Host); err != nil {
		return nil, err
	}
	if err := s.waitReady(ctx); err != nil {
		return nil, err
	}
	if s.Cleared, err = clearInner(ctx, s.Inner); err != nil {
		return nil, fmt.Errorf("clear what earlier runs left in the inner daemon: %w", err)
	}
	return s, nil
}

func (s *Sidecar) spec() engine.ContainerSpec {
	c := s.cfg
	lb := c.Run.Labels(labels.RoleSidecar, c.Target)
	lb[labels.Cache] = c.Target.Cache
	spec := engine.ContainerSpec{
		Name: c.Target.Lock, Image: c.Image.Ref, Labels: lb,
		Cmd: append([]string{"dockerd", "--host=" + Host, "--cgroup-parent=/dbuilder/" + c.Target.Lock}, mtuArgs(c.MTU)...),
		Mounts: []engine.Mount{
			{Type: "volume", Source: c.Target.Cache, Target: "/var/lib/docker"},
			{Type: "volume", Source: s.Socket, Target: SocketDir},
		},
		NanoCPUs: c.NanoCPUs, Memory: c.Memory,
	}
	if c.Image.Official {
		// docker:dind's entrypoint sets up cgroups and then runs our args;
		// first drop a killed daemon's network store and mark the cache
		// used, as dbuilder's own image does (recipe/entrypoint.sh).
		spec.Entrypoint = []string{"sh", "-c", "rm -f /var/lib/docker/network/files/local-kv.db; touch /var/lib/docker/" + LastUsedFile + "; exec dockerd-entrypoint.sh \"$@\"", "dbuilder-dind"}
	} else {
		// dbuilder's own image makes the one NAT rule the tests need
		// (recipe/entrypoint.sh) instead of dockerd's seventy iptables
		// calls: about half of the inner daemon's start.
		spec.Cmd = append(spec.Cmd, "--iptables=false")
	}
	ApplyMode(&spec, c.Mode)
	return spec
}

// lock creates the sidecar container under its lock name, waiting while a
// live run holds it and removing one that a dead run left behind.
func (s *Sidecar) lock(ctx context.Context) error {
	cache := s.cfg.Target.Cache
	id, err := engine.CreateLocked(ctx, s.eng, s.spec(), s.cfg.Alive,
		func(run string) { s.logf("cache %s is in use by run %s; waiting for it to finish", cache, run) },
		func(run string) {
			s.logf("cache %s: removing the sidecar of run %s, which no longer exists", cache, run)
		})
	s.ID = id
	return err
}

// waitReady polls the inner daemon with growing delays until it answers.
func (s *Sidecar) waitReady(ctx context.Context) error {
	delay := 25 * time.Millisecond
	deadline := time.Now().Add(ReadyTimeout)
	for {
		info, err := s.Inner.Info(ctx)
		if err == nil {
			s.InnerID = info.ID
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if st, ierr := s.eng.ContainerInspect(ctx, s.ID); ierr == nil && !st.Running {
			return fmt.Errorf("sidecar exited before its daemon was ready (state %s)%s", st.State, s.LogTail(ctx, 20))
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("sidecar daemon not ready after %s: %v%s", ReadyTimeout, err, s.LogTail(ctx, 20))
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

// clearInner removes every container and user network in an inner daemon:
// whatever a killed or timed-out run's tests started there would otherwise
// hold their names ("docker run --name db" would fail) and their memory.
func clearInner(ctx context.Context, inner InnerEngine) ([]string, error) {
	var gone []string
	var errs []error
	cs, err := inner.ContainerList(ctx, nil)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		if err := inner.ContainerRemove(ctx, c.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, "container "+c.Name)
	}
	ns, err := inner.NetworkList(ctx)
	if err != nil {
		return gone, err
	}
	for _, n := range ns {
		if err := inner.NetworkRemove(ctx, n.ID); err != nil {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, "network "+n.Name)
	}
	return gone, errors.Join(errs...)
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
	var b strings.Builder
	if err := s.eng.ContainerLogs(ctx, s.ID, false, fmt.Sprint(n), &b); err != nil || b.Len() == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	return "\n  sidecar log (last lines):\n    " + strings.Join(lines, "\n    ")
}

// Stop removes the inner containers, stops the inner daemon cleanly (its
// data root must stay usable), then removes the sidecar and the socket
// volume. The cache volume is kept. It runs on a fresh context so that it
// works after the caller's was cancelled; NotFound counts as done.
func (s *Sidecar) Stop() error {
	return engine.Cleanup(func(ctx context.Context) error {
		var errs []error
		if s.ID != "" {
			if s.Alive(ctx) {
				// Inner test containers must not outlive the run; then drop
				// the cgroups the inner daemon made on the host.
				ready := s.InnerID != ""
				if ready {
					clearInner(ctx, s.Inner)
				}
				dropped := s.cfg.Mode == CapSet && ready && s.dropCgroups(ctx)
				// A daemon that never answered may not handle SIGTERM yet
				// (it would sit out the whole grace period): no grace.
				grace := StopGrace
				if !ready {
					grace = 0
				}
				_ = s.eng.ContainerStop(ctx, s.ID, grace)
				if s.cfg.Mode == CapSet && !dropped {
					s.cleanCgroups(ctx)
				}
			}
			if err := s.eng.ContainerRemove(ctx, s.ID); err != nil {
				errs = append(errs, err)
			}
		}
		if s.Inner != nil {
			s.Inner.Close()
		}
		if err := s.eng.VolumeRemove(ctx, s.Socket); err != nil {
			errs = append(errs, err)
		}
		return errors.Join(errs...)
	})
}

func (s *Sidecar) logf(format string, a ...any) {
	if s.cfg.Log != nil {
		fmt.Fprintf(s.cfg.Log, format+"\n", a...)
	}
}
