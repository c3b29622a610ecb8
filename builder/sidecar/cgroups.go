package sidecar

import (
	"context"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// cleanCgroups removes the empty cgroup directories that a nested dockerd in
// capability-set mode created under the host's /sys/fs/cgroup/*/dbuilder/.
// The sidecar has stopped by now, so a short-lived helper container with the
// same mounts does the rmdir. Only empty directories can be removed, so this
// cannot touch a cgroup that is still in use.
func (s *Sidecar) cleanCgroups(ctx context.Context) {
	spec := engine.ContainerSpec{
		Image: s.cfg.Image.Ref, Entrypoint: []string{"sh", "-c"}, NetworkMode: "none",
		Cmd:    []string{`for d in /sys/fs/cgroup/*/dbuilder/` + s.Name + `; do [ -d "$d" ] || continue; find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done; rmdir /sys/fs/cgroup/*/dbuilder 2>/dev/null; true`},
		Labels: labels.For(s.cfg.Run, s.cfg.Matrix, s.cfg.Target, "cgroup-cleaner", s.cfg.Version),
	}
	applyMode(&spec, CapSet)
	id, err := s.eng.ContainerCreate(ctx, spec)
	if err != nil {
		return
	}
	defer removeQuietly(s.eng, id)
	if s.eng.ContainerStart(ctx, id) == nil {
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		s.eng.ContainerWait(wctx, id)
		cancel()
	}
}
