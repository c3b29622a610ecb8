package lifecycle

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/sidecar"
)

// Cache is one kept volume: a sidecar's data root ("cache"), a compiler
// cache ("ccache") or an --incremental built tree ("work").
type Cache struct {
	Volume   string
	Kind     string
	Matrix   string
	Target   string
	Size     int64     // bytes; -1 if unknown
	LastUsed time.Time // zero if never used
	InUse    bool      // a sidecar holds it now
}

// Caches lists the cache volumes, measuring size and last use with one
// short-lived container that mounts them read-only (this works against a
// remote daemon too). image is any local image with sh, du and stat.
func Caches(ctx context.Context, eng Engine, image, version string) ([]Cache, error) {
	all, err := eng.VolumeList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		return nil, err
	}
	var vs []engine.Volume
	for _, v := range all {
		if labels.Kept(v.Labels[labels.Role]) {
			vs = append(vs, v)
		}
	}
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	held, err := inUse(ctx, eng)
	if err != nil {
		return nil, err
	}
	out := make([]Cache, len(vs))
	spec := engine.ContainerSpec{
		Image: image, Entrypoint: []string{"sh", "-c"}, NetworkMode: "none",
		Labels: ident.Kept(version).Labels(labels.RoleInspector, ident.Target{}),
	}
	script := ""
	for i, v := range vs {
		out[i] = Cache{Volume: v.Name, Kind: v.Labels[labels.Role], Matrix: v.Labels[labels.Matrix], Target: v.Labels[labels.Target], Size: -1, InUse: held[v.Name]}
		dir := fmt.Sprintf("/c/%d", i)
		spec.Mounts = append(spec.Mounts, engine.Mount{Type: "volume", Source: v.Name, Target: dir, ReadOnly: true})
		script += fmt.Sprintf(`echo "%d $(du -sk %s 2>/dev/null | cut -f1) $(stat -c %%Y %s/%s 2>/dev/null || echo 0)";`, i, dir, dir, sidecar.LastUsedFile)
	}
	if len(vs) == 0 || image == "" {
		return out, nil
	}
	spec.Cmd = []string{script}
	_, logs, err := engine.RunOnce(ctx, eng, spec, nil)
	if err != nil {
		return out, err
	}
	sc := bufio.NewScanner(bytes.NewReader(logs))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			continue
		}
		i, err := strconv.Atoi(f[0])
		if err != nil || i < 0 || i >= len(out) {
			continue
		}
		if kb, err := strconv.ParseInt(f[1], 10, 64); err == nil {
			out[i].Size = kb * 1024
		}
		if ts, err := strconv.ParseInt(f[2], 10, 64); err == nil && ts > 0 {
			out[i].LastUsed = time.Unix(ts, 0)
		}
	}
	return out, nil
}

// inUse lists the kept volumes a container (a sidecar, a build) mounts now.
func inUse(ctx context.Context, eng Engine) (map[string]bool, error) {
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Managed: "true"})
	if err != nil {
		return nil, err
	}
	held := map[string]bool{}
	for _, c := range cs {
		if v := c.Labels[labels.Cache]; v != "" {
			held[v] = true
		}
		for _, v := range c.Volumes {
			held[v] = true
		}
	}
	return held, nil
}
