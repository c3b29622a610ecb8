// Package names checks values from matrix.yaml against their own grammars
// before they can reach a generated Dockerfile or a shell line. A value that
// passes a checker here is made only of characters that are inert in a
// Dockerfile and in a shell word, except RPM capabilities, whose parentheses
// still need quoting in a shell.
package names

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Package formats the checkers know.
const (
	Deb = "deb"
	Rpm = "rpm"
)

// Grammars lists the formats whose package names Package and SourceName
// check (a distros.Format's name picks its grammar).
var Grammars = []string{Deb, Rpm}

// maxLen bounds every checked value; real ones are far shorter.
const maxLen = 200

// Package checks a dependency as written in build.deps for the given
// format: a Debian package name (optionally "name:arch") for "deb", an RPM
// package name or capability ("pkgconfig(zlib)") for "rpm".
func Package(format, s string) error {
	switch format {
	case Deb:
		return check("Debian package name", s, debPackage)
	case Rpm:
		return check("RPM package name", s, rpmPackage)
	}
	return fmt.Errorf("unknown package format %q (known: deb, rpm)", format)
}

// SourceName checks the name of the package being built: a Debian source
// package name for "deb", a plain RPM Name for "rpm" (no capability forms).
func SourceName(format, s string) error {
	switch format {
	case Deb:
		return check("Debian package name", s, debName)
	case Rpm:
		return check("RPM package name", s, rpmName)
	}
	return fmt.Errorf("unknown package format %q (known: deb, rpm)", format)
}

// check runs the checks every value shares, then the grammar, which returns
// why s is wrong or "".
func check(what, s string, grammar func(string) string) error {
	if s == "" {
		return fmt.Errorf("empty %s", what)
	}
	why := hostile(s)
	if why == "" && len(s) > maxLen {
		why = fmt.Sprintf("longer than %d characters", maxLen)
	}
	if why == "" {
		why = grammar(s)
	}
	if why != "" {
		return fmt.Errorf("invalid %s %s: %s", what, Quote(s), why)
	}
	return nil
}

// Quote renders a user's value for a message: Go-quoted, so that control
// characters show as escapes, and cut short if long.
func Quote(s string) string {
	const most = 80
	if len(s) > most {
		cut := most
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return fmt.Sprintf("%q...", s[:cut])
	}
	return fmt.Sprintf("%q", s)
}

// hostile explains characters that are never part of a legitimate value
// and are the stuff of injection (a line break starts a new Dockerfile
// instruction), or returns "". It runs before any friendlier hint.
func hostile(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	for _, r := range s {
		switch {
		case r == '\n' || r == '\r':
			return "contains a line break"
		case r == 0:
			return "contains a NUL byte"
		case unicode.IsControl(r):
			return "contains a control character"
		}
	}
	return ""
}

// unsafe explains the first character of s that may never appear in any
// checked value (whitespace, quotes, shell syntax), or returns "". Grammars
// call it first so that the message names the actual problem rather than a
// generic "invalid".
func unsafe(s string) string {
	if why := hostile(s); why != "" {
		return why
	}
	for _, r := range s {
		switch {
		case unicode.IsSpace(r):
			return "contains whitespace"
		case r >= 0x80:
			return fmt.Sprintf("contains the non-ASCII character %q", r)
		case strings.ContainsRune("'\"`$;&|\\<>*?!#{}[]", r):
			return fmt.Sprintf("contains %q", r)
		}
	}
	return ""
}

// firstBad returns the first rune of s not accepted by ok, and whether one exists.
func firstBad(s string, ok func(r rune) bool) (rune, bool) {
	for _, r := range s {
		if !ok(r) {
			return r, true
		}
	}
	return 0, false
}

func isLowerAlnum(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }

func isAlnum(r rune) bool { return isLowerAlnum(r) || r >= 'A' && r <= 'Z' }

// relationHint recognises the dependency syntax of debian/control and RPM
// spec files, which build.deps does not take, and says what to write
// instead. Values with other odd characters get no hint: they are not a
// misplaced relation, and unsafe names their real problem.
func relationHint(s string) string {
	plausible := func(r rune) bool { return isAlnum(r) || strings.ContainsRune("+-._:()/ <>=|,~", r) }
	if _, odd := firstBad(s, plausible); odd {
		return ""
	}
	switch {
	case strings.Contains(s, "|") || strings.Contains(s, " or "):
		return "alternatives are not supported here; list one package (an override can pick one per distro)"
	case strings.ContainsAny(s, "<>=") || strings.Contains(s, " ("):
		return "version relations are not supported here; list the bare package name (e.g. \"libfoo-dev\")"
	}
	return ""
}
