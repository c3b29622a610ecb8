package lifecycle

import (
	"context"
	"errors"
	"sort"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// EphemeralGrace is how old a helper container (probe, cache inspector,
// cgroup cleaner) must be before gc takes it for a leftover: they live for
// seconds, and the commands that start them have no anchor.
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
// and per-run volumes whose run has no running anchor. Cache volumes carry no
// run label and are never listed; they are kept on purpose.
func Leftovers(ctx context.Context, eng engine.Engine) ([]Leftover, error) {
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		return nil, err
	}
	vs, err := eng.VolumeList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		return nil, err
	}
	alive := map[string]bool{}
	isAlive := func(run string) bool {
		if v, ok := alive[run]; ok {
			return v
		}
		alive[run] = Alive(ctx, eng, run)
		return alive[run]
	}
	var out []Leftover
	for _, c := range cs {
		run := c.Labels[labels.Run]
		if c.Labels[labels.Role] == labels.RoleAnchor && c.Running {
			continue
		}
		if labels.Ephemeral(c.Labels[labels.Role]) && time.Since(c.Created) < EphemeralGrace {
			continue
		}
		if run != "" && isAlive(run) {
			continue
		}
		out = append(out, Leftover{Kind: "container", Name: c.Name, ID: c.ID, Run: run, Role: c.Labels[labels.Role], Image: c.Image})
	}
	for _, v := range vs {
		run := v.Labels[labels.Run]
		if run == "" || v.Labels[labels.Role] == labels.RoleCache || isAlive(run) {
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
func Remove(ctx context.Context, eng engine.Engine, items []Leftover, version string) error {
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
		sidecar.CleanCgroups(ctx, eng, image, names, labels.For("", "", "", labels.RoleCgroupCleaner, version))
	}
	return errors.Join(errs...)
}
