package sidecar

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
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
func DetectMode(ctx context.Context, eng engine.Engine, image, run, version string) (Mode, error) {
	firstErr := probe(ctx, eng, image, Privileged, run, version)
	if firstErr == nil {
		return Privileged, nil
	}
	if ctx.Err() != nil {
		return 0, ctx.Err()
	}
	if err := probe(ctx, eng, image, CapSet, run, version); err != nil {
		return 0, fmt.Errorf("this daemon starts no container with the privileges a nested dockerd needs:\n  privileged: %v\n  capability set: %v", firstErr, err)
	}
	return CapSet, nil
}

func probe(ctx context.Context, eng engine.Engine, image string, m Mode, run, version string) error {
	spec := engine.ContainerSpec{
		Image: image, Entrypoint: []string{"true"}, NetworkMode: "none",
		Labels: labels.For(run, "", "", labels.RoleProbe, version),
	}
	applyMode(&spec, m)
	id, err := eng.ContainerCreate(ctx, spec)
	if err != nil {
		return err
	}
	defer removeQuietly(eng, id)
	if err := eng.ContainerStart(ctx, id); err != nil {
		return shortErr(err)
	}
	_, err = eng.ContainerWait(ctx, id)
	return err
}

// applyMode sets the privilege fields of a sidecar spec.
func applyMode(s *engine.ContainerSpec, m Mode) {
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

// removeQuietly removes a container on a fresh context: cleanup must run even
// when the caller's context was cancelled.
func removeQuietly(eng engine.Engine, id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_ = eng.ContainerRemove(ctx, id)
}

// shortErr keeps the part of a runc error that says what went wrong.
func shortErr(err error) error {
	s := err.Error()
	if i := strings.Index(s, "unable to apply caps"); i >= 0 {
		return fmt.Errorf("%s", s[i:])
	}
	return err
}
