package run

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/distros"
)

// checkArches makes sure the endpoint can run each foreign target's
// userland before anything else is created: one throwaway container per
// base image runs `uname -m`, which must answer the target's machine. It
// fails to start where no emulation is set up ("exec format error"), and
// answers the native machine when a base image is not what its name says.
func checkArches(ctx context.Context, eng Engine, info engine.Info, jobs []plan.Job, version string) []error {
	var errs []error
	seen := map[string]bool{}
	for _, j := range jobs {
		if !j.Foreign || seen[j.Distro.Image] {
			continue
		}
		seen[j.Distro.Image] = true
		if err := CanRun(ctx, eng, j.Distro.Image, j.Platform, version); err != nil {
			errs = append(errs, fmt.Errorf("target %s: %w", j.Name(), err))
		}
	}
	return errs
}

// CanRun reports whether the endpoint runs image's userland as a.
func CanRun(ctx context.Context, eng engine.OneShot, image string, a distros.Arch, version string) error {
	spec := engine.ContainerSpec{
		Image: image, Entrypoint: []string{"uname", "-m"}, NetworkMode: "none",
		Labels: ident.Kept(version).Labels(labels.RoleProbe, ident.Target{}),
	}
	code, out, err := engine.RunOnce(ctx, eng, spec, nil)
	got := strings.TrimSpace(string(out))
	switch {
	case err != nil && strings.Contains(err.Error(), "exec format error"), code != 0 && strings.Contains(got, "exec format error"):
		return fmt.Errorf("this daemon cannot run %s containers: no emulation for %s is set up on its host (fix, as root there: bash scripts/setup-emulation.sh %s)", a.Name, a.Machine, a.Name)
	case err != nil:
		return fmt.Errorf("checking that %s runs as %s: %w", image, a.Name, err)
	case code != 0:
		return fmt.Errorf("checking that %s runs as %s: uname -m exited %d: %s", image, a.Name, code, got)
	case got != a.Machine && !(a.Name == "i386" && got == "x86_64"):
		return fmt.Errorf("base image %s runs as %s, not %s: it is not a %s image (remake it: DBUILDER_ARCHES=%s bash scripts/setup.sh)", image, got, a.Machine, a.Name, a.Name)
	}
	return nil
}
