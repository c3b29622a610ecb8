package matrix

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
)

// maxGlobLen bounds a test.reports glob.
const maxGlobLen = 256

// ReportGlob checks one test.reports glob: a slash-separated path relative
// to the built tree whose parts are path.Match patterns, where a part that
// is exactly "**" matches any number of directories. It may not be
// absolute, climb out with "..", or hold control characters.
func ReportGlob(g string) error {
	switch {
	case g == "":
		return errors.New("empty glob")
	case len(g) > maxGlobLen:
		return fmt.Errorf("longer than %d characters", maxGlobLen)
	case strings.HasPrefix(g, "/"):
		return errors.New("absolute; globs are relative to the built tree (where test.command runs)")
	case strings.HasSuffix(g, "/"):
		return errors.New("ends with '/'; name the files, e.g. dir/*.xml")
	}
	for _, r := range g {
		if unicode.IsControl(r) {
			return fmt.Errorf("contains the control character %q", r)
		}
	}
	for _, part := range strings.Split(g, "/") {
		switch {
		case part == "" || part == ".":
			return errors.New("has an empty or '.' part")
		case part == "..":
			return errors.New("climbs out of the built tree with '..'")
		case part == "**":
			continue
		case strings.Contains(part, "**"):
			return fmt.Errorf("part %q: '**' must be a whole part (like **/junit.xml)", part)
		}
		if _, err := path.Match(part, ""); err != nil {
			return fmt.Errorf("part %q is not a valid pattern", part)
		}
	}
	if last := g[strings.LastIndexByte(g, '/')+1:]; last == "**" {
		return errors.New("ends with '**'; name the files, e.g. **/*.xml")
	}
	return nil
}

// MatchReport says whether the slash-separated path p (relative to the
// built tree) matches glob g, which ReportGlob accepted.
func MatchReport(g, p string) bool {
	return matchParts(strings.Split(g, "/"), strings.Split(p, "/"))
}

func matchParts(g, p []string) bool {
	for len(g) > 0 {
		if g[0] == "**" {
			for i := 0; i <= len(p); i++ {
				if matchParts(g[1:], p[i:]) {
					return true
				}
			}
			return false
		}
		if len(p) == 0 {
			return false
		}
		if ok, _ := path.Match(g[0], p[0]); !ok {
			return false
		}
		g, p = g[1:], p[1:]
	}
	return len(p) == 0
}

// ReportRoot is the directory (relative to the built tree, "" for the tree
// itself) that holds every file g can match: its leading parts that have
// no pattern characters, the last part excluded.
func ReportRoot(g string) string {
	parts := strings.Split(g, "/")
	var fixed []string
	for _, part := range parts[:len(parts)-1] {
		if part == "**" || strings.ContainsAny(part, `*?[\`) {
			break
		}
		fixed = append(fixed, part)
	}
	return strings.Join(fixed, "/")
}
