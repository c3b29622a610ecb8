package matrix

import (
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/dbuilder/dbuilder/builder/names"
)

// match checks one exclude or override match: not empty, keys are axes,
// values are globs that match at least one value of their axis (else it is
// almost surely a typo that would silently do nothing).
func (c *checker) match(p string, m Match, axes Axes) bool {
	if !c.spots.ok(p) {
		return false
	}
	if len(m) == 0 {
		c.at(c.spots.val(p), "%s: empty match; name at least one axis, e.g. {distro: \"fedora:*\"}", p)
		return false
	}
	axisNames := make([]string, len(axes))
	for i, a := range axes {
		axisNames[i] = a.Name
	}
	ok := true
	for _, k := range slices.Sorted(maps.Keys(m)) { // map order would shuffle messages
		kp, pattern := keyPath(p, k), m[k]
		if !c.spots.ok(kp) {
			ok = false
			continue
		}
		i := slices.Index(axisNames, k)
		if i < 0 {
			c.at(c.spots.key(kp), "%s: %s is not an axis (axes: %s)%s", p, names.Quote(k), strings.Join(axisNames, ", "), didYouMean(k, axisNames))
			ok = false
			continue
		}
		if _, err := path.Match(pattern, ""); err != nil {
			c.at(c.spots.val(kp), "%s: bad pattern %s: %v", kp, names.Quote(pattern), err)
			ok = false
			continue
		}
		if !slices.ContainsFunc(axes[i].Values, func(v string) bool { return globMatch(pattern, v) }) {
			c.at(c.spots.val(kp), "%s: %s matches no value of axis %s%s (values: %s)", kp, names.Quote(pattern), k,
				didYouMean(pattern, axes[i].Values), strings.Join(axes[i].Values, ", "))
			ok = false
		}
	}
	return ok
}

// excluded reports whether any exclude matches the combination axes.
func excluded(excludes []Match, axes map[string]string) bool {
	return slices.ContainsFunc(excludes, func(m Match) bool { return m.Matches(axes) })
}

// Matches reports whether every entry of m matches its value in axes.
func (m Match) Matches(axes map[string]string) bool {
	for k, pattern := range m {
		v, ok := axes[k]
		if !ok || !globMatch(pattern, v) {
			return false
		}
	}
	return true
}

// globMatch is path.Match for patterns already known to be well formed.
func globMatch(pattern, v string) bool {
	ok, _ := path.Match(pattern, v)
	return ok
}
