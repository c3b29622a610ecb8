package distros

import "strings"

// Closest returns the known distro name most like name, for "did you mean"
// hints, or "" when none is close. It forgives case, a missing or short base
// ("bookworm", "rocky:9"), an image reference ("opensuse/leap:15.6") and
// typos; among equally close releases it prefers the newest-sorting one.
func Closest(name string) string {
	name = strings.ToLower(strings.TrimSpace(name))
	if name == "" {
		return ""
	}
	base, rel, hasRel := strings.Cut(name, ":")
	best, bestDist := "", -1
	for _, d := range All() {
		if d.TestOnly {
			continue
		}
		if d.Name == name || d.Image == name {
			return d.Name
		}
		dBase, dRel, _ := strings.Cut(d.Name, ":")
		dist := levenshtein(name, d.Name)
		sameBase := hasRel && base != "" && strings.HasPrefix(dBase, base)
		switch {
		case !hasRel && (name == dRel || name == dBase):
			dist = 0 // "bookworm", or "fedora" alone
		case sameBase:
			dist = min(dist, levenshtein(rel, dRel))
		case dist > max(2, len(name)/3):
			continue
		}
		if bestDist < 0 || dist <= bestDist { // <=: All is sorted, so later wins ties
			best, bestDist = d.Name, dist
		}
	}
	return best
}

// levenshtein is the edit distance between a and b (bytes; names are ASCII).
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
