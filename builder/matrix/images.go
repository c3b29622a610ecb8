package matrix

import (
	"maps"
	"slices"
	"strings"

	"github.com/dbuilder/dbuilder/builder/names"
	"gopkg.in/yaml.v3"
)

// Images says where the distros' base images come from.
type Images struct {
	// Mirror replaces docker.io in every Docker Hub base image: a
	// pull-through cache such as GitLab's dependency proxy, or an internal
	// mirror ("" pulls from Docker Hub itself). See names.Mirrored.
	Mirror string
	// Distros gives a distro's base image exactly; it wins over Mirror.
	Distros map[string]string
	// Cache is the cache registry repository of builder images ("": none;
	// --cache-registry and DBUILDER_CACHE_REGISTRY win over it).
	Cache string
}

// Base returns the base image of distro, whose registry default is image.
func (im Images) Base(distro, image string) string {
	if ref, ok := im.Distros[distro]; ok {
		return ref
	}
	return names.Mirrored(im.Mirror, image)
}

// UseMirror sets the Docker Hub mirror from the command line (--mirror,
// which wins over images.mirror) and derives every target's base image
// again.
func (m *Matrix) UseMirror(prefix string) error {
	if err := names.MirrorPrefix(prefix); err != nil {
		return err
	}
	m.Images.Mirror = prefix
	reg := m.Registry
	if reg == nil {
		reg = Builtin()
	}
	for i, t := range m.Targets {
		if d, _, ok := reg.Lookup(t.Distro); ok {
			m.Targets[i].Image = m.Images.Base(t.Distro, d.Image)
		}
	}
	return nil
}

// images reads the images mapping.
func (d *decoder) images(k, n *yaml.Node, im *Images) {
	d.spots["images"] = spot{key: k, val: n}
	fields, _ := d.mapping("images", n, "images", sectionKeys("images", false))
	for _, fl := range fields {
		switch fl.name {
		case "mirror":
			im.Mirror, _ = d.str("images.mirror", fl.key, fl.val)
		case "cache":
			im.Cache, _ = d.str("images.cache", fl.key, fl.val)
		case "distros":
			d.spots["images.distros"] = spot{key: fl.key, val: fl.val}
			entries, _ := d.mapping("images.distros", fl.val, "images.distros", nil)
			im.Distros = map[string]string{}
			for _, e := range entries {
				if v, ok := d.str(keyPath("images.distros", e.name), e.key, e.val); ok {
					im.Distros[e.name] = v
				}
			}
		}
	}
}

// images checks the mirror prefix and each distro's image: the distro must
// be one the matrix builds, the image a valid reference.
func (c *checker) images(im Images, axes Axes) {
	if p := "images.mirror"; c.spots.ok(p) && (im.Mirror != "" || c.spots.val(p) != nil) {
		if err := names.MirrorPrefix(im.Mirror); err != nil {
			c.at(c.spots.val(p), "%s: %v", p, err)
		}
	}
	if p := "images.cache"; c.spots.ok(p) && (im.Cache != "" || c.spots.val(p) != nil) {
		if err := names.CacheRepo(im.Cache); err != nil {
			c.at(c.spots.val(p), "%s: %v", p, err)
		}
	}
	var built []string
	for _, a := range axes {
		if a.Name == "distro" {
			built = a.Values
		}
	}
	for _, distro := range slices.Sorted(maps.Keys(im.Distros)) {
		p := keyPath("images.distros", distro)
		switch {
		case !c.known(distro):
			known := c.reg.Names()
			c.at(c.spots.key(p), "images.distros: unknown distro %s%s (known: %s)", names.Quote(distro), didYouMean(distro, known), strings.Join(known, ", "))
		case c.spots.ok("matrix") && !slices.Contains(built, distro):
			c.at(c.spots.key(p), "images.distros: %s is not in matrix.distro, so its image would never be used", names.Quote(distro))
		}
		if err := names.ImageRef(im.Distros[distro]); err != nil && c.spots.ok(p) {
			c.at(c.spots.val(p), "%s: %v", p, err)
		}
	}
}

func (c *checker) known(distro string) bool {
	_, _, ok := c.reg.Lookup(distro)
	return ok
}
