package matrix

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"unicode"
)

// LeftoverGlob checks one release.allow_leftovers glob: an absolute,
// slash-separated path whose parts are path.Match patterns, where a part
// that is exactly "**" matches any number of directories. It names what a
// purge may leave behind, so it may not allow everything ("/", "/**").
func LeftoverGlob(g string) error {
	switch {
	case g == "":
		return errors.New("empty glob")
	case len(g) > maxGlobLen:
		return fmt.Errorf("longer than %d characters", maxGlobLen)
	case !strings.HasPrefix(g, "/"):
		return errors.New("not absolute; name the leftover path from /, e.g. /var/lib/PKG")
	case strings.HasSuffix(g, "/"):
		return errors.New("ends with '/'; a glob names a path and everything under it, e.g. /var/lib/PKG")
	}
	for _, r := range g {
		if unicode.IsControl(r) {
			return fmt.Errorf("contains the control character %q", r)
		}
	}
	parts := strings.Split(g[1:], "/")
	for _, part := range parts {
		switch {
		case part == "" || part == "." || part == "..":
			return errors.New("has an empty, '.' or '..' part")
		case part == "**":
			continue
		case strings.Contains(part, "**"):
			return fmt.Errorf("part %q: '**' must be a whole part (like /var/**/PKG)", part)
		}
		if _, err := path.Match(part, ""); err != nil {
			return fmt.Errorf("part %q is not a valid pattern", part)
		}
	}
	if parts[0] == "**" || parts[0] == "*" {
		return errors.New("allows nearly everything; name a directory first, e.g. /var/lib/PKG")
	}
	return nil
}

// MatchLeftover says whether the absolute path p is allowed by glob g
// (which LeftoverGlob accepted): g matches p or one of its parent
// directories, so "/var/lib/pkg" allows that directory and all in it.
func MatchLeftover(g, p string) bool {
	gp := strings.Split(strings.TrimPrefix(g, "/"), "/")
	pp := strings.Split(strings.TrimPrefix(path.Clean(p), "/"), "/")
	for i := 1; i <= len(pp); i++ {
		if matchParts(gp, pp[:i]) {
			return true
		}
	}
	return false
}
