package matrix

import (
	"fmt"
	"path"
	"strings"

	"github.com/dbuilder/dbuilder/builder/names"
)

// Select picks targets by a --distro selector: empty means all; otherwise a
// comma-separated list whose items are each one of
//
//	debian:trixie    a distro, exactly
//	debian-trixie    a target name, exactly
//	fedora           every target of a distro base (the part before ':')
//	debian:*         a glob (path.Match) over distro and target names
//
// Targets come back in matrix order, each once. An item that matches
// nothing is an error naming the known targets and the closest one: a typo
// must not quietly build less than was asked.
func Select(targets []Target, sel string) ([]Target, error) {
	if strings.TrimSpace(sel) == "" {
		return targets, nil
	}
	picked := make([]bool, len(targets))
	var errs []string
	for _, item := range strings.Split(sel, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		n, err := selectItem(targets, item, picked)
		if err != nil {
			errs = append(errs, err.Error())
		} else if n == 0 {
			errs = append(errs, noMatch(targets, item))
		}
	}
	if len(errs) > 0 {
		return nil, fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	var out []Target
	for i, t := range targets {
		if picked[i] {
			out = append(out, t)
		}
	}
	return out, nil
}

// selectItem marks the targets item matches and returns how many it did.
func selectItem(targets []Target, item string, picked []bool) (int, error) {
	glob := strings.ContainsAny(item, "*?[")
	if glob {
		if _, err := path.Match(item, ""); err != nil {
			return 0, fmt.Errorf("selector %s: bad pattern: %v", names.Quote(item), err)
		}
	}
	n := 0
	for i, t := range targets {
		base, _, _ := strings.Cut(t.Distro, ":")
		var hit bool
		if glob {
			hit = globMatch(item, t.Distro) || globMatch(item, t.Name)
		} else {
			hit = item == t.Distro || item == t.Name || item == base
		}
		if hit {
			picked[i] = true
			n++
		}
	}
	return n, nil
}

// noMatch explains an item that matched nothing.
func noMatch(targets []Target, item string) string {
	var known []string
	seen := map[string]bool{}
	for _, t := range targets {
		base, _, _ := strings.Cut(t.Distro, ":")
		for _, s := range []string{t.Name, t.Distro, base} {
			if !seen[s] {
				seen[s] = true
				known = append(known, s)
			}
		}
	}
	all := make([]string, len(targets))
	for i, t := range targets {
		all[i] = t.Name
	}
	return fmt.Sprintf("no target matches %s%s (targets: %s)", names.Quote(item), didYouMean(item, known), strings.Join(all, ", "))
}
