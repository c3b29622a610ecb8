package names

import (
	"fmt"
	"strings"
)

// rpmPackage accepts a package name ("gcc-c++", "glibc-devel.x86_64") or a
// capability that dnf and zypper resolve to one: "pkgconfig(zlib)",
// "perl(Foo::Bar)", "golang(github.com/x/y)", "libc.so.6()(64bit)".
func rpmPackage(s string) string {
	if strings.HasPrefix(s, "(") {
		return "rich dependencies (\"(a or b)\") are not supported here; list one package or capability"
	}
	if hint := relationHint(s); hint != "" {
		return hint
	}
	name, groups, hasGroups := strings.Cut(s, "(")
	if why := rpmName(name); why != "" {
		return why
	}
	if hasGroups {
		return rpmGroups("(" + groups)
	}
	return ""
}

// rpmName is an RPM Name: letters, digits and _ + . -, starting with a
// letter or digit. An arch suffix (".x86_64") fits the same grammar.
func rpmName(s string) string {
	if why := unsafe(s); why != "" {
		return why
	}
	if s == "" || !isAlnum(rune(s[0])) {
		return "must start with a letter or a digit"
	}
	if r, ok := firstBad(s, rpmNameRune); ok {
		return fmt.Sprintf("contains %q (allowed: A-Z a-z 0-9 _ + - .)", r)
	}
	return ""
}

func rpmNameRune(r rune) bool { return isAlnum(r) || strings.ContainsRune("_+.-", r) }

// rpmGroups checks the "(...)" groups that follow a capability's name: one
// or more, not nested, holding letters, digits and _ : . + - /.
func rpmGroups(s string) string {
	if why := unsafe(s); why != "" {
		return why
	}
	for s != "" {
		if s[0] != '(' {
			return "text after a capability's closing ')' must be another (...) group"
		}
		end := strings.IndexByte(s, ')')
		if end < 0 {
			return "unbalanced '(' in capability"
		}
		inner := s[1:end]
		if r, ok := firstBad(inner, func(r rune) bool { return rpmNameRune(r) || r == ':' || r == '/' }); ok {
			if r == '(' {
				return "nested parentheses in capability"
			}
			return fmt.Sprintf("contains %q inside a capability (allowed: A-Z a-z 0-9 _ : . + - /)", r)
		}
		s = s[end+1:]
	}
	return ""
}
