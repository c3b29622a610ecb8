// Package doctor checks that a Docker endpoint can run dbuilder's builds and
// says how to fix what cannot.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"syscall"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/pull"
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
	// Pull is the build's pull policy ("" is pull.Missing): missing images
	// are then looked up in their registries.
	Pull pull.Policy
	// SidecarBases are the Debian images dbuilder's own sidecar image may be
	// built from (nil: sidecar.DefaultBases).
	SidecarBases []string
}

func (o Options) pulls() bool { return o.Pull != pull.Never }

func (o Options) sidecarBases() []string {
	if len(o.SidecarBases) == 0 {
		return sidecar.DefaultBases
	}
	return o.SidecarBases
}

func (o Options) needDocker() bool {
	for _, j := range o.Jobs {
		if j.Sidecar {
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
func Run(ctx context.Context, eng Engine, connErr error, opt Options) []Check {
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
	reg := &registries{down: map[string]error{}}
	img, imgCheck := sidecarCheck(ctx, eng, opt, reg)
	checks = append(checks, imgCheck, privilegeCheck(ctx, eng, img, opt))
	checks = append(checks, baseImageChecks(ctx, eng, opt.baseImages(), opt, reg)...)
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
func sidecarCheck(ctx context.Context, eng Engine, opt Options, reg *registries) (string, Check) {
	c := Check{Name: "sidecar image", Blocking: opt.needDocker()}
	ref := opt.Sidecar.Ref
	if _, err := eng.Image(ctx, ref); err == nil {
		c.OK, c.Detail = true, ref+" present"
		return ref, c
	}
	bases := opt.sidecarBases()
	base := ""
	for _, b := range bases {
		if _, err := eng.Image(ctx, b); err == nil {
			base = b
			break
		}
	}
	if ref != sidecar.OwnRef(opt.Version) {
		c.Detail = ref + " is not on the daemon"
		switch err := reg.pullable(ctx, eng, ref, opt); {
		case err == nil:
			c.OK, c.Detail = true, c.Detail+"; build pulls it (its registry has it)"
		default:
			c.Detail += ": " + err.Error()
			c.Fix = "pull it where a registry is reachable, or leave --sidecar-image out to use dbuilder's own, built locally"
		}
		return base, c
	}
	if base != "" {
		c.OK, c.Detail = true, fmt.Sprintf("%s absent; it will be built from %s on first use", ref, base)
		return base, c
	}
	c.Detail = "no " + ref + " and no Debian base image to build it from"
	c.Fix = "bash scripts/setup.sh (makes debian:bookworm with debootstrap), or use --sidecar-image " + sidecar.Official + " where it can be pulled"
	if err := reg.pullable(ctx, eng, bases[0], opt); err == nil {
		c.OK, c.Detail = true, fmt.Sprintf("%s absent; build pulls %s and builds it from there", ref, bases[0])
	} else if opt.pulls() {
		c.Detail += " (" + err.Error() + ")"
	}
	return "", c
}

func privilegeCheck(ctx context.Context, eng Engine, image string, opt Options) Check {
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

func baseImageChecks(ctx context.Context, eng Engine, images []string, opt Options, reg *registries) []Check {
	if len(images) == 0 {
		return []Check{{Name: "base images", OK: true, Detail: "no matrix selected (use -f / --distro to check its targets' images)"}}
	}
	var missing, present, pulled, problems []string
	for _, img := range images {
		if _, err := eng.Image(ctx, img); err == nil {
			present = append(present, img)
		} else if !opt.pulls() {
			missing = append(missing, img)
		} else if err := reg.pullable(ctx, eng, img, opt); err == nil {
			pulled = append(pulled, img)
		} else {
			problems = append(problems, err.Error())
		}
	}
	detail := strings.Join(present, ", ")
	if len(pulled) > 0 {
		detail = strings.TrimPrefix(detail+"; build pulls "+strings.Join(pulled, ", "), "; ")
	}
	switch {
	case len(missing) > 0:
		return []Check{{Name: "base images", Blocking: true, Detail: "missing: " + strings.Join(missing, ", "),
			Fix: "docker pull them, or leave out --pull never; for Debian suites run: bash scripts/make-images.sh"}}
	case len(problems) > 0:
		return []Check{{Name: "base images", Blocking: true, Detail: "cannot be pulled: " + strings.Join(problems, "; "),
			Fix: "offline: make them on the daemon (bash scripts/setup.sh for the Debian ones) and build with --pull never; or docker login to the registry, or set images.mirror (--mirror) to one you can reach"}}
	}
	return []Check{{Name: "base images", OK: true, Detail: detail}}
}

// registries asks registries about images for doctor, asking no registry
// again once it could not be reached.
type registries struct{ down map[string]error }

// pullable says whether ref could be pulled under opt's policy.
func (r *registries) pullable(ctx context.Context, eng Engine, ref string, opt Options) error {
	if !opt.pulls() {
		return errors.New("not on the daemon, and --pull never")
	}
	host := engine.RegistryOf(ref)
	if err, down := r.down[host]; down {
		return fmt.Errorf("%s: registry %s cannot be reached (%v)", ref, host, err)
	}
	err := eng.ImageInRegistry(ctx, ref)
	if errors.Is(err, engine.ErrUnreachable) {
		r.down[host] = err
	}
	return err
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
