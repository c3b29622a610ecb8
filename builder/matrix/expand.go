package matrix

import (
	"fmt"
	"slices"
	"strings"
)

// MaxTargets bounds the cross product; more is a mistake, not a build plan.
const MaxTargets = 1000

// Expand validates f and turns it into targets: the cross product of the
// axes in file order (the first axis varies slowest), minus excludes, with
// overrides applied in order (later ones win). Target names are built from
// the values and must be unique. reg nil means Builtin().
func Expand(f *File, reg Registry) ([]Target, error) {
	if reg == nil {
		reg = Builtin()
	}
	c := &checker{problems: &problems{}, reg: reg}
	var targets []Target
	if c.validate(f) {
		targets = c.expand(f)
	}
	return targets, c.err()
}

// expand assumes validate passed for the matrix, excludes and matches.
func (c *checker) expand(f *File) []Target {
	total := 1
	for _, a := range f.Matrix {
		total *= len(a.Values)
		if total > MaxTargets {
			c.at(c.spots.key("matrix"), "matrix: more than %d combinations; split it or add excludes", MaxTargets)
			return nil
		}
	}
	var targets []Target
	byName := map[string][]int{} // target name -> value indexes of its combo
	idx := make([]int, len(f.Matrix))
	for range total {
		axes := make(map[string]string, len(f.Matrix))
		for i, a := range f.Matrix {
			axes[a.Name] = a.Values[idx[i]]
		}
		if !excluded(f.Exclude, axes) {
			t := c.target(f, axes)
			if first, dup := byName[t.Name]; dup {
				c.collision(f.Matrix, t.Name, first, idx)
			} else {
				byName[t.Name] = slices.Clone(idx)
				targets = append(targets, t)
			}
		}
		next(idx, f.Matrix)
	}
	if len(targets) == 0 {
		c.at(c.spots.key("exclude"), "exclude: every one of the %d combinations is excluded; nothing would be built", total)
		return nil
	}
	c.preloadNeedsDocker(targets, f)
	c.installedNeedsInstall(targets, f)
	return targets
}

// next advances idx like an odometer whose last wheel turns fastest.
func next(idx []int, axes Axes) {
	for i := len(idx) - 1; i >= 0; i-- {
		idx[i]++
		if idx[i] < len(axes[i].Values) {
			return
		}
		idx[i] = 0
	}
}

// target builds one target: the file's settings with their defaults, then
// every matching override.
func (c *checker) target(f *File, axes map[string]string) Target {
	s := f.Settings.clone()
	s.withDefaults()
	for i := range f.Overrides {
		if o := &f.Overrides[i]; o.Match.Matches(axes) {
			s.apply(o)
		}
	}
	t := Target{
		Distro:  axes["distro"],
		Axes:    axes,
		Build:   s.Build,
		Test:    s.Test,
		Release: s.Release,
		Timeout: timeoutOf(s.Timeout),
	}
	parts := make([]string, len(f.Matrix))
	for i, a := range f.Matrix {
		parts[i] = namePart(axes[a.Name])
	}
	t.Name = strings.Join(parts, "-")
	if d, fam, ok := c.reg.Lookup(t.Distro); ok {
		t.Family, t.Format, t.DepsFormat, t.Image = fam.Name, fam.Format, fam.Deps(), f.Images.Base(t.Distro, d.Image)
	}
	return t
}

// namePart makes an axis value file-name safe: lowercase a-z 0-9 . -, with
// every other character (':' and '/' mostly) turned into one '-'.
func namePart(v string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(v) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

// collision reports two combos that give the same target name, at the
// value of the second combo where they first differ.
func (c *checker) collision(axes Axes, name string, first, second []int) {
	combo := func(idx []int) string {
		parts := make([]string, len(axes))
		for i, a := range axes {
			parts[i] = a.Name + "=" + a.Values[idx[i]]
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	where := c.spots.val("matrix")
	for i, a := range axes {
		if first[i] != second[i] {
			where = c.spots.val(fmt.Sprintf("%s[%d]", keyPath("matrix", a.Name), second[i]))
			break
		}
	}
	c.at(where, "matrix: %s and %s both make the target name %q; rename one of the values", combo(first), combo(second), name)
}

// preloadNeedsDocker reports targets that preload images but get no Docker
// daemon to load them into: the list would silently do nothing.
func (c *checker) preloadNeedsDocker(targets []Target, f *File) {
	var bad []string
	for _, t := range targets {
		if len(t.Test.Preload) > 0 && !t.Test.Docker {
			bad = append(bad, t.Name)
		}
	}
	if len(bad) == 0 {
		return
	}
	// Point at the base list, or else at the first override that sets one.
	where := c.spots.key("test.preload")
	for i := 0; where == nil && i < len(f.Overrides); i++ {
		if len(f.Overrides[i].Test.Preload) > 0 {
			where = c.spots.key(fmt.Sprintf("overrides[%d].test.preload", i))
		}
	}
	c.at(where, "test.preload: images are preloaded only into a target's own Docker daemon, but test.docker is false for %s; set test.docker: true (or preload: [] in an override)", brief(bad))
}

// installedNeedsInstall reports targets with a test.installed script but
// no install test to run it in.
func (c *checker) installedNeedsInstall(targets []Target, f *File) {
	var bad []string
	for _, t := range targets {
		if strings.TrimSpace(t.Test.Installed) != "" && t.Test.Install == ModeOff {
			bad = append(bad, t.Name)
		}
	}
	if len(bad) == 0 {
		return
	}
	where := c.spots.key("test.installed")
	for i := 0; where == nil && i < len(f.Overrides); i++ {
		if f.Overrides[i].Test.Installed != "" {
			where = c.spots.key(fmt.Sprintf("overrides[%d].test.installed", i))
		}
	}
	c.at(where, "test.installed: the script runs after the install test, but test.install is off for %s; set test.install: auto (or installed: \"\" in an override)", brief(bad))
}

// brief joins a list for a message, eliding past a few items.
func brief(list []string) string {
	const most = 6
	if len(list) <= most {
		return strings.Join(list, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(list[:most], ", "), len(list)-most)
}
