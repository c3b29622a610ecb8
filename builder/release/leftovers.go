package release

import (
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/dbuilder/dbuilder/builder/matrix"
)

// allowLeftovers splits the paths a purge left into those no glob allows
// and those one does (matrix.MatchLeftover).
func allowLeftovers(paths, globs []string) (bad, ok []string) {
	for _, p := range paths {
		if slices.ContainsFunc(globs, func(g string) bool { return matrix.MatchLeftover(g, p) }) {
			ok = append(ok, p)
		} else {
			bad = append(bad, p)
		}
	}
	return bad, ok
}

// readLines reads a file's non-empty lines; none when it is missing.
func readLines(p string) []string {
	b, err := os.ReadFile(p)
	if err != nil {
		return nil
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// readUpgraded reads upgraded.txt ("NAME OLD NEW" a line) as
// "NAME OLD -> NEW".
func readUpgraded(p string) []string {
	var out []string
	for _, l := range readLines(p) {
		if f := strings.Fields(l); len(f) == 3 {
			out = append(out, f[0]+" "+f[1]+" -> "+f[2])
		}
	}
	return out
}

// appendNew appends the values of vs that list does not hold yet.
func appendNew(list []string, vs ...string) []string {
	for _, v := range vs {
		if !slices.Contains(list, v) {
			list = append(list, v)
		}
	}
	return list
}

// listSome is the first n values, and how many more there are.
func listSome(vs []string, n int) string {
	if len(vs) <= n {
		return strings.Join(vs, ", ")
	}
	return strings.Join(vs[:n], ", ") + ", and " + strconv.Itoa(len(vs)-n) + " more (see the log)"
}
