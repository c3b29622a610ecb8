package run

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/builder/progress"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// What an image is for, in messages.
const (
	whyBase    = "base image"
	whyPreload = "preload image"
	whySidecar = "sidecar image"
	whyOwnBase = "base image of the sidecar image"
)

// wants lists, once each and in order, the images the run needs from a
// registry: the targets' base images and preload images (pulled on the
// daemon dbuilder talks to, then copied into each target's daemon), and
// the sidecar image or, when dbuilder's own must be built, its Debian base.
func wants(ctx context.Context, eng Engine, jobs []plan.Job, opt Options) []pull.Want {
	var out []pull.Want
	seen := map[string]bool{}
	add := func(ref, why, platform string) {
		if !seen[ref] {
			seen[ref] = true
			out = append(out, pull.Want{Ref: ref, Why: why, Platform: platform})
		}
	}
	for _, j := range jobs {
		platform := ""
		if j.Foreign {
			platform = j.Platform.Platform()
		}
		add(j.Distro.Image, whyBase, platform)
	}
	for _, j := range jobs {
		for _, p := range j.Target.Test.Preload {
			add(p, whyPreload, "")
		}
	}
	if needsDocker(jobs) {
		why := whySidecar
		if opt.Sidecar.Ref == sidecar.OwnRef(opt.Run.Version) {
			why = whyOwnBase
		}
		for _, ref := range sidecar.Wants(ctx, eng, opt.Sidecar, sidecar.EnsureOptions{Version: opt.Run.Version, Bases: opt.SidecarBases}) {
			add(ref, why, "")
		}
	}
	return out
}

// pullAll pulls under opt.Pull ("" is pull.Missing), with each image's
// progress on the console as "[pull IMAGE] ..." lines.
func pullAll(ctx context.Context, eng Engine, ws []pull.Want, opt Options) error {
	policy := opt.Pull
	if policy == "" {
		policy = pull.Missing
	}
	view := opt.Progress
	if view == nil {
		view = progress.NewPlain(opt.Stdout)
	}
	var logs []*targetLog
	p := pull.New(eng, policy, func(ref string) io.Writer {
		l := aside(view, "pull "+ref)
		logs = append(logs, l)
		return l
	})
	err := p.Ensure(ctx, ws)
	for _, l := range logs {
		l.Flush()
	}
	if len(p.Pulled) > 0 {
		view.Line("", fmt.Sprintf("dbuilder: pulled %s", strings.Join(p.Pulled, ", ")))
	}
	return err
}

// fixFor says how to get w onto the daemon when pulling is off (--pull
// never).
func fixFor(w pull.Want, jobs []plan.Job) string {
	for _, j := range jobs {
		if j.Foreign && j.Distro.Image == w.Ref {
			return fmt.Sprintf("docker pull it, or leave out --pull never; for Debian suites run: DBUILDER_ARCHES=%s bash scripts/setup.sh", j.Arch)
		}
	}
	switch w.Why {
	case whyPreload:
		return "build or pull it on the host daemon first (test.preload copies it from there), or leave out --pull never"
	case whySidecar:
		return "pull it, or leave out --pull never (or leave --sidecar-image out to use dbuilder's own, built locally)"
	}
	return "docker pull it, or leave out --pull never; for Debian suites run: bash scripts/make-images.sh"
}
