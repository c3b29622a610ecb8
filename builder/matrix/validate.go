package matrix

import (
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/builder/names"
	"github.com/dbuilder/dbuilder/distros"
)

// checker validates a decoded File and expands it, reporting problems at
// the positions recorded while decoding (none for a File built in code).
type checker struct {
	*problems
	spots spots
	reg   Registry
}

// axisValue is the grammar of axis values: they become parts of target
// names, labels and file names, so they are kept to a safe alphabet.
var axisValue = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/+-]*$`)

// maxValueLen bounds axis values; target names are built from them.
const maxValueLen = 64

// validate checks every value of f and reports whether the matrix, exclude
// and override matches are sound enough to expand.
func (c *checker) validate(f *File) bool {
	formats := c.formats(f)
	c.name(f.Name, formats)
	if c.spots.ok("version") {
		if err := names.Version(f.Version); err != nil {
			c.at(c.spots.val("version"), "version: %v", err)
		}
	}
	ok := c.axes(f.Matrix)
	// Matches name axes; with no usable matrix every key would look unknown.
	matchable := c.spots.ok("matrix")
	for i, m := range f.Exclude {
		ok = matchable && c.match(fmt.Sprintf("exclude[%d]", i), m, f.Matrix) && ok
	}
	c.images(f.Images, f.Matrix)
	c.settings("", &f.Settings, c.inFile(f))
	for i := range f.Overrides {
		o := &f.Overrides[i]
		p := fmt.Sprintf("overrides[%d]", i)
		ok = matchable && c.match(p+".match", o.Match, f.Matrix) && ok
		c.overrideSet(p, o)
		c.settings(p+".", &o.Settings, inOverride(o))
	}
	return ok
}

// formats returns the package formats of the known distros in the matrix.
func (c *checker) formats(f *File) []string {
	var out []string
	for _, a := range f.Matrix {
		if a.Name != "distro" {
			continue
		}
		for _, v := range a.Values {
			if _, fam, ok := c.reg.Lookup(v); ok && !slices.Contains(out, fam.Format) {
				out = append(out, fam.Format)
			}
		}
	}
	sort.Strings(out)
	return out
}

// name checks the package name against the grammar of every format built.
// With no known format yet it uses the RPM grammar, the broader of the two,
// which still admits only safe characters.
func (c *checker) name(name string, formats []string) {
	if !c.spots.ok("name") {
		return
	}
	checked := false
	for _, f := range formats {
		if !slices.Contains(names.Grammars, f) {
			continue
		}
		checked = true
		if err := names.SourceName(f, name); err != nil {
			c.at(c.spots.val("name"), "name: %v", err)
			return
		}
	}
	if !checked {
		if err := names.SourceName(names.Rpm, name); err != nil {
			c.at(c.spots.val("name"), "name: %v", err)
		}
	}
}

// axes checks axis names and values and that a known distro axis exists.
func (c *checker) axes(axes Axes) bool {
	if !c.spots.ok("matrix") {
		return false
	}
	if len(axes) == 0 {
		c.at(c.spots.val("matrix"), "matrix: no axes; it needs at least a distro axis, e.g. distro: [debian:bookworm]")
		return false
	}
	ok := true
	hasDistro := false
	for _, a := range axes {
		p := keyPath("matrix", a.Name)
		if !axisName.MatchString(a.Name) || len(a.Name) > 64 {
			c.at(c.spots.key(p), "matrix: invalid axis name %s (use a-z, 0-9 and _, starting with a letter, at most 64 characters)", names.Quote(a.Name))
			ok = false
			continue
		}
		if !c.spots.ok(p) {
			ok = false
			continue
		}
		if len(a.Values) == 0 {
			c.at(c.spots.val(p), "%s: the axis has no values", p)
			ok = false
		}
		hasDistro = hasDistro || a.Name == "distro"
		seen := map[string]int{}
		for i, v := range a.Values {
			vp := fmt.Sprintf("%s[%d]", p, i)
			if !c.spots.ok(vp) {
				ok = false
				continue
			}
			if j, dup := seen[v]; dup {
				c.at(c.spots.val(vp), "%s: %s is listed twice (also %s[%d])", vp, names.Quote(v), p, j)
				ok = false
				continue
			}
			seen[v] = i
			if a.Name == "distro" {
				ok = c.distro(vp, v) && ok
			} else if a.Name == "arch" {
				ok = c.arch(vp, v) && ok
			} else if len(v) > maxValueLen || !axisValue.MatchString(v) {
				c.at(c.spots.val(vp), "%s: invalid value %s (use letters, digits and . _ : / + -, starting with a letter or digit, at most %d characters)", vp, names.Quote(v), maxValueLen)
				ok = false
			}
		}
	}
	if !hasDistro && ok {
		have := make([]string, len(axes))
		for i, a := range axes {
			have[i] = a.Name
		}
		c.at(c.spots.val("matrix"), "matrix: missing the distro axis (axes: %s)", strings.Join(have, ", "))
		ok = false
	}
	return ok
}

// distro checks that v names a distro in the registry.
func (c *checker) distro(p, v string) bool {
	if _, _, ok := c.reg.Lookup(v); ok {
		return true
	}
	known := c.reg.Names()
	c.at(c.spots.val(p), "%s: unknown distro %s%s (known: %s)", p, names.Quote(v), didYouMean(v, known), strings.Join(known, ", "))
	return false
}

// arch checks a value of the arch axis: the target's platform, by its
// Debian name.
func (c *checker) arch(p, v string) bool {
	if a, ok := distros.LookupArch(v); ok && a.Name == v {
		return true
	}
	known := distros.ArchNames()
	hint := ""
	if a, ok := distros.LookupArch(v); ok {
		hint = "; did you mean " + a.Name + "? (the arch axis takes Debian's names)"
	} else {
		hint = didYouMean(v, known)
	}
	c.at(c.spots.val(p), "%s: unknown architecture %s%s (known: %s)", p, names.Quote(v), hint, strings.Join(known, ", "))
	return false
}
