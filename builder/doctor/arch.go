package doctor

import (
	"context"
	"fmt"
	"sort"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/run"
	"github.com/dbuilder/dbuilder/distros"
)

// archChecks says which architectures the endpoint runs: its own natively,
// others when a base image of theirs is there and runs (through emulation).
// Foreign architectures the selected targets need block builds when they
// cannot run; others are information.
func archChecks(ctx context.Context, eng Engine, info engine.Info, opt Options) []Check {
	native, _ := distros.LookupArch(info.Arch)
	checks := []Check{{Name: "arch " + native.Name, OK: true, Detail: "native"}}
	images := map[string]string{} // arch -> an image of it to probe with
	needed := map[string]bool{}
	platforms := map[string]distros.Arch{}
	for _, j := range opt.Jobs {
		if j.Foreign {
			needed[j.Arch], platforms[j.Arch] = true, j.Platform
			if _, err := eng.Image(ctx, j.Distro.Image); err == nil {
				images[j.Arch] = j.Distro.Image
			}
		}
	}
	// The base images scripts/make-images.sh made carry their architecture.
	if list, err := eng.ImageList(ctx, map[string]string{labels.SetupArch: ""}); err == nil {
		for _, img := range list {
			a := img.Labels[labels.SetupArch]
			p, ok := distros.LookupArch(a)
			if ok && a != native.Name && images[a] == "" && len(img.Tags) > 0 {
				images[a], platforms[a] = img.Tags[0], p
			}
		}
	}
	arches := make([]string, 0, len(images)+len(needed))
	for a := range images {
		arches = append(arches, a)
	}
	for a := range needed {
		if images[a] == "" {
			arches = append(arches, a)
		}
	}
	sort.Strings(arches)
	for _, a := range arches {
		c := Check{Name: "arch " + a, Blocking: needed[a]}
		img := images[a]
		if img == "" {
			c.Detail = "no " + a + " base image to run"
			c.Fix = fmt.Sprintf("DBUILDER_ARCHES=%s bash scripts/setup.sh (makes the images and sets up emulation)", a)
		} else if err := run.CanRun(ctx, eng, img, platforms[a], opt.Version); err != nil {
			c.Detail, c.Fix = err.Error(), fmt.Sprintf("bash scripts/setup-emulation.sh %s (as root on the daemon's host)", a)
		} else {
			c.OK, c.Detail = true, "emulated (qemu-user), checked with "+img
		}
		checks = append(checks, c)
	}
	if len(arches) == 0 {
		checks = append(checks, Check{Name: "other arches", OK: true, Detail: "none set up (DBUILDER_ARCHES=arm64 bash scripts/setup.sh adds arm64)"})
	}
	return checks
}
