package lifecycle

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// EphemeralGrace is how old a helper container (probe, cache inspector,
// cgroup cleaner) of a command without a run (doctor, cache ls, gc itself)
// must be before gc takes it for a leftover: such helpers live for seconds
// and have no anchor to judge them by. A build run's helpers carry its run
// id and go with the run.
const EphemeralGrace = 10 * time.Minute

// Leftover is one resource that a dead run left behind.
type Leftover struct {
	Kind  string // "container" or "volume"
	Name  string
	ID    string
	Run   string
	Role  string
	Image string // containers: the image it ran
}

// Leftovers lists what runs that no longer exist left behind: containers
// and per-run volumes whose run is dead (see Liveness.Settle, which may wait
// a few seconds for runs owned on other hosts; waiting says so). Cache
// volumes carry no run label and are never listed; they are kept on purpose.
func Leftovers(ctx context.Context, eng Engine, live *Liveness, waiting func(n int, d time.Duration)) ([]Leftover, error) {
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		return nil, err
	}
	vs, err := eng.VolumeList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		return nil, err
	}
	runSet := map[string]bool{}
	for _, c := range cs {
		runSet[c.Labels[labels.Run]] = true
	}
	for _, v := range vs {
		runSet[v.Labels[labels.Run]] = true
	}
	delete(runSet, "")
	runs := make([]string, 0, len(runSet))
	for r := range runSet {
		runs = append(runs, r)
	}
	sort.Strings(runs)
	alive := live.Settle(ctx, runs, waiting)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	var out []Leftover
	for _, c := range cs {
		run := c.Labels[labels.Run]
		// Without a run id, only dbuilder's short-lived helpers are its own:
		// a container of a user's that carries io.dbuilder labels because its
		// image does (dbuilder/dind, a builder image) is never a leftover.
		if run == "" && (!labels.Ephemeral(c.Labels[labels.Role]) || time.Since(c.Created) < EphemeralGrace) {
			continue
		}
		if run != "" && alive[run] {
			continue
		}
		out = append(out, Leftover{Kind: "container", Name: c.Name, ID: c.ID, Run: run, Role: c.Labels[labels.Role], Image: c.Image})
	}
	for _, v := range vs {
		run := v.Labels[labels.Run]
		if run == "" || labels.Kept(v.Labels[labels.Role]) || alive[run] {
			continue
		}
		out = append(out, Leftover{Kind: "volume", Name: v.Name, ID: v.Name, Run: run, Role: v.Labels[labels.Role]})
	}
	// Containers first: a volume cannot go while a container uses it.
	sort.SliceStable(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, nil
}

// Remove removes leftovers; NotFound counts as done. The empty cgroups that
// removed sidecars leave on the daemon host go too.
func Remove(ctx context.Context, eng Engine, items []Leftover, version string) error {
	var errs []error
	sidecars := map[string][]string{} // image -> sidecar names
	for _, it := range items {
		var err error
		if it.Kind == "container" {
			err = eng.ContainerRemove(ctx, it.ID)
			if err == nil && it.Role == labels.RoleSidecar {
				sidecars[it.Image] = append(sidecars[it.Image], it.Name)
			}
		} else {
			err = eng.VolumeRemove(ctx, it.ID)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	for image, names := range sidecars {
		sidecar.CleanCgroups(ctx, eng, image, names, ident.Kept(version).Labels(labels.RoleCgroupCleaner, ident.Target{}))
	}
	return errors.Join(errs...)
}
