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
	c.deps("build.deps", f.Build.Deps.Deb, f.Build.Deps.Rpm)
	c.images(f.Images, f.Matrix)
	c.preload("test.preload", f.Test.Preload)
	c.command("test.command", f.Test.Command)
	c.release("release", &ReleaseOverride{Smoke: &f.Release.Smoke, Lint: &f.Release.Lint})
	c.reports("test.reports", f.Test.Reports)
	c.timeout("timeout", deref0(f.Timeout), f.Timeout != nil)
	for i, o := range f.Overrides {
		p := fmt.Sprintf("overrides[%d]", i)
		ok = matchable && c.match(p+".match", o.Match, f.Matrix) && ok
		if o.Build != nil && o.Build.Deps != nil {
			c.deps(p+".build.deps", o.Build.Deps.Deb, o.Build.Deps.Rpm)
		}
		if o.Test != nil {
			c.preload(p+".test.preload", o.Test.Preload)
			if o.Test.Command != nil {
				c.command(p+".test.command", *o.Test.Command)
			}
			c.reports(p+".test.reports", o.Test.Reports)
		}
		if o.Release != nil {
			c.release(p+".release", o.Release)
		}
		c.timeout(p+".timeout", deref0(o.Timeout), o.Timeout != nil)
	}
	return ok
}

// release checks a release section's values (nil fields are not set).
func (c *checker) release(p string, r *ReleaseOverride) {
	if r.Smoke != nil {
		c.command(p+".smoke", *r.Smoke)
	}
	if r.Lint != nil && c.spots.ok(p+".lint") && !slices.Contains(LintModes, *r.Lint) {
		// An empty base value is the default, not a choice.
		if *r.Lint != "" || c.spots.val(p+".lint") != nil {
			c.at(c.spots.val(p+".lint"), "%s.lint: must be one of %s, got %s%s", p, strings.Join(LintModes, ", "), names.Quote(*r.Lint), didYouMean(*r.Lint, LintModes))
		}
	}
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

// deps checks each package name against the grammar of its list's format.
func (c *checker) deps(p string, deb, rpm []string) {
	for format, list := range map[string][]string{names.Deb: deb, names.Rpm: rpm} {
		lp := p + "." + format
		for i, pkg := range list {
			ip := fmt.Sprintf("%s[%d]", lp, i)
			if !c.spots.ok(ip) {
				continue
			}
			if err := names.Package(format, pkg); err != nil {
				c.at(c.spots.val(ip), "%s: %v", ip, err)
			}
		}
	}
}

func (c *checker) preload(p string, refs []string) {
	for i, ref := range refs {
		ip := fmt.Sprintf("%s[%d]", p, i)
		if !c.spots.ok(ip) {
			continue
		}
		if err := names.ImageRef(ref); err != nil {
			c.at(c.spots.val(ip), "%s: %v", ip, err)
		}
	}
}

// command accepts any shell script except one with NUL bytes: it is handed
// to the container as a file, never pasted into a Dockerfile, so nothing
// else in it can escape.
func (c *checker) command(p, cmd string) {
	if c.spots.ok(p) && strings.ContainsRune(cmd, 0) {
		c.at(c.spots.val(p), "%s: contains a NUL byte", p)
	}
}
