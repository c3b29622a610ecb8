package names

import (
	"fmt"
	"strings"
)

// Version checks an upstream version as both dpkg and rpm accept it: a digit
// first, then letters, digits and . + ~. A '-' is refused because both
// formats use it to separate the packaging release.
func Version(s string) error {
	return check("version", s, func(s string) string {
		if why := unsafe(s); why != "" {
			return why
		}
		if strings.ContainsRune(s, '-') {
			return "contains '-', which deb and rpm use to separate the release; use '~' (sorts before) or '+' (sorts after)"
		}
		if s[0] < '0' || s[0] > '9' {
			if len(s) > 1 && (s[0] == 'v' || s[0] == 'V') && s[1] >= '0' && s[1] <= '9' {
				return "must start with a digit (drop the leading " + s[:1] + ")"
			}
			return "must start with a digit"
		}
		if r, ok := firstBad(s, func(r rune) bool { return isAlnum(r) || strings.ContainsRune(".+~", r) }); ok {
			return fmt.Sprintf("contains %q (allowed: A-Z a-z 0-9 . + ~)", r)
		}
		return ""
	})
}
