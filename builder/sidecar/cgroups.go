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
func CleanCgroups(ctx context.Context, eng engine.OneShot, image string, names []string, lb map[string]string) {
	script := rmdirScript(names)
	if script == "" {
		return
	}
	spec := engine.ContainerSpec{
		Image: image, Entrypoint: []string{"sh", "-c"}, Cmd: []string{script + "true"},
		NetworkMode: "none", Labels: lb,
	}
	ApplyMode(&spec, CapSet)
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	engine.RunOnce(cctx, eng, spec, nil)
}

// rmdirScript removes the empty cgroup trees of the named sidecars' inner
// daemons, leaf first, then the shared parent if it is empty; "" when no
// name is valid.
func rmdirScript(names []string) string {
	var b strings.Builder
	for _, n := range names {
		if validName(n) {
			b.WriteString(`for d in /sys/fs/cgroup/*/dbuilder/` + n + `; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done; `)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return b.String() + `rmdir /sys/fs/cgroup/*/dbuilder 2>/dev/null; `
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

// dropCgroups removes, from inside the running sidecar (which sees the
// host's cgroup tree in capability-set mode), the cgroups its inner daemon
// made for test containers; they are empty once those containers are gone.
// It saves the helper container that CleanCgroups needs. It reports
// whether they are all gone.
func (s *Sidecar) dropCgroups(ctx context.Context) bool {
	n := s.cfg.Target.Lock
	script := rmdirScript([]string{n})
	if script == "" {
		return false
	}
	script += `for d in /sys/fs/cgroup/*/dbuilder/` + n + `; do [ -d "$d" ] && exit 1; done; exit 0`
	code, err := s.eng.Exec(ctx, s.ID, []string{"sh", "-c", script}, nil, nil)
	return err == nil && code == 0
}

func (s *Sidecar) cleanCgroups(ctx context.Context) {
	CleanCgroups(ctx, s.eng, s.cfg.Image.Ref, []string{s.cfg.Target.Lock}, s.cfg.Run.Labels(labels.RoleCgroupCleaner, s.cfg.Target))
}
