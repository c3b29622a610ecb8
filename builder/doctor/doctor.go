// Package doctor checks that a Docker endpoint can run dbuilder's builds and
// says how to fix what cannot.
package doctor

import (
	"context"
	"fmt"
	"strings"
	"syscall"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// Check is one line of the report.
type Check struct {
	Name     string
	OK       bool
	Detail   string
	Fix      string // what to do when !OK
	Blocking bool   // a failed blocking check stops builds
}

// MinFreeBytes is the free space under the daemon's data root below which
// doctor warns: a builder image plus a dind cache is a few GiB.
const MinFreeBytes = 5 << 30

// Options say what to check.
type Options struct {
	Version string
	Sidecar sidecar.Image
	Jobs    []plan.Job // the selected targets; their base images are checked
	// NeedDocker says a sidecar is needed even without jobs (no matrix given).
	NeedDocker bool
}

func (o Options) needDocker() bool {
	for _, j := range o.Jobs {
		if j.Target.Test.Docker {
			return true
		}
	}
	return o.NeedDocker
}

func (o Options) baseImages() []string {
	var out []string
	seen := map[string]bool{}
	for _, j := range o.Jobs {
		if !seen[j.Distro.Image] {
			seen[j.Distro.Image] = true
			out = append(out, j.Distro.Image)
		}
	}
	return out
}

// Run checks eng. A nil eng means the daemon could not be reached (connErr).
func Run(ctx context.Context, eng engine.Engine, connErr error, opt Options) []Check {
	if eng == nil {
		return []Check{{Name: "engine", Blocking: true, Detail: fmt.Sprint(connErr),
			Fix: "start the daemon: bash scripts/setup-engine.sh (as root on Debian/Ubuntu), or point DOCKER_HOST at a running one"}}
	}
	info, err := eng.Info(ctx)
	if err != nil {
		return []Check{{Name: "engine", Blocking: true, Detail: err.Error(), Fix: "check the daemon's log; restart it"}}
	}
	checks := []Check{
		{Name: "engine", OK: true, Detail: fmt.Sprintf("%s, Docker %s (API %s), %s/%s, %d CPUs", eng.Endpoint(), info.ServerVersion, info.APIVersion, info.OS, info.Arch, info.NCPU)},
		{Name: "cgroups", OK: true, Detail: fmt.Sprintf("v%s, driver %s", orUnknown(info.CgroupVersion), orUnknown(info.CgroupDriver))},
		storageCheck(info),
	}
	img, imgCheck := sidecarCheck(ctx, eng, opt)
	checks = append(checks, imgCheck, privilegeCheck(ctx, eng, img, opt))
	checks = append(checks, baseImageChecks(ctx, eng, opt.baseImages())...)
	checks = append(checks, archChecks(ctx, eng, info, opt)...)
	checks = append(checks, diskCheck(info))
	return checks
}

func storageCheck(info engine.Info) Check {
	c := Check{Name: "storage", OK: true, Detail: "driver " + info.StorageDriver + ", data root " + info.DockerRootDir}
	if info.StorageDriver == "vfs" {
		c.OK, c.Fix = false, "vfs copies every layer: builds and caches will be slow and large; use overlay2"
	}
	return c
}

// sidecarCheck finds an image to probe with and reports what a build would use.
func sidecarCheck(ctx context.Context, eng engine.Engine, opt Options) (string, Check) {
	c := Check{Name: "sidecar image", Blocking: opt.needDocker()}
	ref := opt.Sidecar.Ref
	if _, err := eng.Image(ctx, ref); err == nil {
		c.OK, c.Detail = true, ref+" present"
		return ref, c
	}
	if ref != sidecar.OwnRef(opt.Version) {
		c.Detail = ref + " is not on the daemon; build pulls it (a registry must be reachable)"
		c.OK = true
		for _, b := range []string{"debian:bookworm", "debian:trixie"} {
			if _, err := eng.Image(ctx, b); err == nil {
				return b, c
			}
		}
		return "", c
	}
	for _, b := range []string{"debian:bookworm", "debian:trixie"} {
		if _, err := eng.Image(ctx, b); err == nil {
			c.OK, c.Detail = true, fmt.Sprintf("%s absent; it will be built from %s on first use", ref, b)
			return b, c
		}
	}
	c.Detail = "no " + ref + " and no Debian base image to build it from"
	c.Fix = "bash scripts/setup.sh (makes debian:bookworm with debootstrap), or use --sidecar-image " + sidecar.Official + " where it can be pulled"
	return "", c
}

func privilegeCheck(ctx context.Context, eng engine.Engine, image string, opt Options) Check {
	c := Check{Name: "privileges", Blocking: opt.needDocker()}
	if image == "" {
		c.Detail, c.Fix = "not checked: no image to probe with", "make the sidecar image first (see above)"
		return c
	}
	mode, err := sidecar.DetectMode(ctx, eng, image, ident.Kept(opt.Version))
	if err != nil {
		c.Detail = err.Error()
		c.Fix = "the daemon must allow privileged containers, or at least CAP_SYS_ADMIN with unconfined seccomp/AppArmor (rootless and userns-remap daemons cannot run dind)"
		return c
	}
	c.OK = true
	if mode == sidecar.Privileged {
		c.Detail = "privileged containers start"
	} else {
		c.Detail = "--privileged refused by this host; the capability-set fallback works (used automatically)"
	}
	return c
}

func baseImageChecks(ctx context.Context, eng engine.Engine, images []string) []Check {
	var missing, present []string
	for _, img := range images {
		if _, err := eng.Image(ctx, img); err == nil {
			present = append(present, img)
		} else {
			missing = append(missing, img)
		}
	}
	if len(images) == 0 {
		return []Check{{Name: "base images", OK: true, Detail: "no matrix selected (use -f / --distro to check its targets' images)"}}
	}
	if len(missing) == 0 {
		return []Check{{Name: "base images", OK: true, Detail: strings.Join(present, ", ")}}
	}
	return []Check{{Name: "base images", Blocking: true, Detail: "missing: " + strings.Join(missing, ", "),
		Fix: "docker pull them, or for Debian suites run: bash scripts/make-images.sh"}}
}

// diskCheck reads free space under the data root when the daemon is local.
func diskCheck(info engine.Info) Check {
	var st syscall.Statfs_t
	if info.DockerRootDir == "" || syscall.Statfs(info.DockerRootDir, &st) != nil {
		return Check{Name: "free disk", OK: true, Detail: "unknown (the daemon's data root is not on this machine)"}
	}
	free := int64(st.Bavail) * int64(st.Bsize)
	c := Check{Name: "free disk", OK: free >= MinFreeBytes, Detail: fmt.Sprintf("%.1f GiB free under %s", float64(free)/(1<<30), info.DockerRootDir)}
	if !c.OK {
		c.Fix = "free space: dbuilder cache prune, docker image prune"
	}
	return c
}

func orUnknown(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
