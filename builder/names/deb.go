package names

import (
	"fmt"
	"strings"
)

// debPackage accepts "name" or "name:arch" (multiarch, e.g. "libc6-dev:arm64").
func debPackage(s string) string {
	if hint := relationHint(s); hint != "" {
		return hint
	}
	name, arch, hasArch := strings.Cut(s, ":")
	if why := debName(name); why != "" {
		return why
	}
	if hasArch && !debArch(arch) {
		return "the architecture after ':' must look like amd64, arm64, any or native"
	}
	return ""
}

// debName follows Debian policy 5.6.1 (Source) and 5.6.7 (Package): at least
// two characters of a-z 0-9 + - ., starting with a letter or digit.
func debName(s string) string {
	if why := unsafe(s); why != "" {
		return why
	}
	if r, ok := firstBad(s, func(r rune) bool { return r < 'A' || r > 'Z' }); ok {
		return fmt.Sprintf("contains the uppercase letter %q (Debian package names are lowercase)", r)
	}
	if s == "" || !isLowerAlnum(rune(s[0])) {
		return "must start with a lowercase letter or a digit"
	}
	if len(s) < 2 {
		return "must be at least two characters long"
	}
	if r, ok := firstBad(s, func(r rune) bool { return isLowerAlnum(r) || r == '+' || r == '-' || r == '.' }); ok {
		return fmt.Sprintf("contains %q (allowed: a-z 0-9 + - .)", r)
	}
	return ""
}

// debArch accepts a Debian architecture name or the "any"/"native" qualifiers.
func debArch(s string) bool {
	if s == "" || len(s) > 32 || !isLowerAlnum(rune(s[0])) {
		return false
	}
	_, bad := firstBad(s, func(r rune) bool { return isLowerAlnum(r) || r == '-' })
	return !bad
}
