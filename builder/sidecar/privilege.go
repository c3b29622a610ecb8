package sidecar

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// Mode is how a sidecar gets the privileges a nested dockerd needs.
type Mode int

const (
	// Privileged is `--privileged` with a private cgroup namespace: the
	// normal path on most CI runners and cgroup v2 hosts.
	Privileged Mode = iota
	// CapSet is every capability but CAP_SYS_RESOURCE, unconfined seccomp,
	// AppArmor and system paths, all devices and the host's cgroup tree: for
	// hosts whose bounding set makes --privileged fail (see platform notes).
	CapSet
)

func (m Mode) String() string {
	if m == Privileged {
		return "privileged"
	}
	return "capability set (privileged refused)"
}

// DetectMode starts a throwaway container privileged; if the host refuses,
// it tries the capability set. Probe containers are always removed.
func DetectMode(ctx context.Context, eng Engine, image string, run ident.Run) (Mode, error) {
	firstErr := probe(ctx, eng, image, Privileged, run)
	if firstErr == nil {
		return Privileged, nil
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err := probe(ctx, eng, image, CapSet, run); err != nil {
		return 0, fmt.Errorf("this daemon starts no container with the privileges a nested dockerd needs:\n  privileged: %v\n  capability set: %v", firstErr, err)
	}
	return CapSet, nil
}

func probe(ctx context.Context, eng Engine, image string, m Mode, run ident.Run) error {
	spec := engine.ContainerSpec{
		Image: image, Entrypoint: []string{"true"}, NetworkMode: "none",
		Labels: run.Labels(labels.RoleProbe, ident.Target{}),
	}
	ApplyMode(&spec, m)
	_, _, err := engine.RunOnce(ctx, eng, spec, nil)
	return shortErr(err)
}

// ApplyMode sets the privilege fields of a spec for a nested dockerd (a
// sidecar, or a test daemon made like one).
func ApplyMode(s *engine.ContainerSpec, m Mode) {
	if m == Privileged {
		s.Privileged = true
		s.CgroupnsPrivate = true
		return
	}
	s.CapAdd = []string{"ALL"}
	s.CapDrop = []string{"SYS_RESOURCE"}
	s.SecurityOpt = []string{"seccomp=unconfined", "apparmor=unconfined"}
	s.UnmaskPaths = true
	s.DeviceCgroupRules = []string{"a *:* rwm"}
	// The daemon host's own cgroup tree, not a user path: the nested dockerd
	// creates its containers' cgroups there (under its own --cgroup-parent).
	s.Mounts = append(s.Mounts, engine.Mount{Type: "bind", Source: "/sys/fs/cgroup", Target: "/sys/fs/cgroup"})
}

// shortErr keeps the part of a runc error that says what went wrong.
func shortErr(err error) error {
	if err == nil {
		return nil
	}
	s := err.Error()
	if i := strings.Index(s, "unable to apply caps"); i >= 0 {
		return fmt.Errorf("%s", s[i:])
	}
	return err
}
