package matrix

import "strings"

// closest returns the candidate nearest to s, for "did you mean" hints, or
// "" when none is near enough to be a likely typo. Case is ignored, and a
// candidate also counts as near when the part after its ':' is ("trixie"
// suggests "debian:trixie").
func closest(s string, candidates []string) string {
	s = strings.ToLower(s)
	if s == "" {
		return ""
	}
	best, bestDist := "", -1
	for _, c := range candidates {
		lc := strings.ToLower(c)
		d := distance(s, lc)
		if _, after, ok := strings.Cut(lc, ":"); ok {
			d = min(d, distance(s, after))
		}
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	if bestDist < 0 || bestDist > max(1, len([]rune(s))/3) {
		return ""
	}
	return best
}

// distance is the Levenshtein distance with adjacent transpositions counted
// as one edit (optimal string alignment): "dpes" is one edit from "deps".
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	// Three rows: two back for transpositions, one back, current.
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// didYouMean renders a hint for s among candidates, or "".
func didYouMean(s string, candidates []string) string {
	if c := closest(s, candidates); c != "" && c != s {
		return "; did you mean " + c + "?"
	}
	return ""
}
