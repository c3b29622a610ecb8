package sidecar

import (
	"context"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// CleanCgroups removes the empty cgroup directories that nested dockerds in
// capability-set mode created under the daemon host's
// /sys/fs/cgroup/*/dbuilder/NAME, for each sidecar name given. Their
// sidecars must be gone already. A short-lived container from image with the
// same mounts does the rmdir, so it works for remote daemons too. Only empty
// directories can be removed, so a cgroup still in use is never touched.
func CleanCgroups(ctx context.Context, eng engine.Engine, image string, names []string, lb map[string]string) {
	var script strings.Builder
	for _, n := range names {
		if !validName(n) {
			continue
		}
		script.WriteString(`for d in /sys/fs/cgroup/*/dbuilder/` + n + `; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done; `)
	}
	if script.Len() == 0 {
		return
	}
	script.WriteString(`rmdir /sys/fs/cgroup/*/dbuilder 2>/dev/null; true`)
	spec := engine.ContainerSpec{
		Image: image, Entrypoint: []string{"sh", "-c"}, Cmd: []string{script.String()},
		NetworkMode: "none", Labels: lb,
	}
	applyMode(&spec, CapSet)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	engine.RunOnce(cctx, eng, spec, nil)
}

// validName keeps anything but a plain container name out of the script.
func validName(n string) bool {
	if n == "" {
		return false
	}
	for _, c := range n {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func (s *Sidecar) cleanCgroups(ctx context.Context) {
	CleanCgroups(ctx, s.eng, s.cfg.Image.Ref, []string{s.cfg.Target.Lock}, s.cfg.Run.Labels(labels.RoleCgroupCleaner, s.cfg.Target))
}
