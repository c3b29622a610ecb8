package distros

import (
	"fmt"
	"io/fs"
	"regexp"
	"strings"
)

func init() { RegisterFormat(deb{}) }

// deb is Debian's format: dpkg-buildpackage from debian/, apt repositories.
type deb struct{}

func (deb) Name() string { return "deb" }

func (deb) Spec(src fs.FS, where string, fam Family) (string, error) {
	const rel = "debian/control"
	if fi, err := fs.Stat(src, rel); err != nil || !fi.Mode().IsRegular() {
		return "", fmt.Errorf("source %s has no debian/control; the %s family needs one: add debian/ or drop the %s targets",
			where, fam.Name, strings.Join(Bases(fam.Name), ", "))
	}
	return rel, nil
}

func (deb) SpecName() *regexp.Regexp { return nil }

func (deb) Package() Package { return Package{Suffix: ".deb"} }

// Lintian is bookworm's in the tools image, whatever the target's suite.
// --fail-on none: findings never fail the tool, only its own errors do.
func (deb) Lint() Lint {
	return Lint{
		Tool: "lintian",
		Script: `mkdir -p out
lintian --fail-on none --tag-display-limit 0 pkgs/*.deb > out/lint.txt
cat out/lint.txt
`,
		// "E: hellodb: tag-name detail..." (binary packages).
		Line:     lintianLine,
		Severity: 1, Pkg: 2, Tag: 3, Detail: 4,
	}
}

var lintianLine = regexp.MustCompile(`^([EWIPXO]): (\S+?)(?: \w+)?: (\S+)(?: (.*))?$`)

// apt repositories: pool/main and dists/SUITE (scripts/repo-deb.sh); the
// source package (.dsc and its tarballs) in the same pool, indexed by
// Sources, made once per release by scripts/source-deb.sh.
func (deb) Repo() Repo {
	return Repo{Dir: "apt", Suite: true, Script: "repo-deb.sh", Pool: []string{"pool/main"}, SourceScript: "source-deb.sh"}
}

// DeclaresTests: debian/tests/control, or a Testsuite: autopkgtest-pkg-*
// field in debian/control's source paragraph (autodep8 expands it).
func (deb) DeclaresTests(src fs.FS) bool {
	if fi, err := fs.Stat(src, "debian/tests/control"); err == nil && fi.Mode().IsRegular() {
		return true
	}
	b, err := fs.ReadFile(src, "debian/control")
	if err != nil {
		return false
	}
	return strings.Contains(sourceField(string(b), "Testsuite"), "autopkgtest-pkg-")
}

// sourceField is a field of the first paragraph of a deb822 file, its
// continuation lines joined with spaces ("" when absent).
func sourceField(text, name string) string {
	var val []string
	in, seen := false, false
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimRight(line, "\r")
		switch {
		case strings.TrimSpace(line) == "":
			if seen {
				return strings.Join(val, " ")
			}
			continue // blank lines before the paragraph
		case strings.HasPrefix(line, "#"):
			continue
		case line[0] == ' ' || line[0] == '\t':
			if in {
				val = append(val, strings.TrimSpace(line))
			}
			continue
		}
		k, v, _ := strings.Cut(line, ":")
		seen = true
		in = strings.EqualFold(strings.TrimSpace(k), name)
		if in {
			val = append(val, strings.TrimSpace(v))
		}
	}
	return strings.Join(val, " ")
}

func (deb) HasTests() bool { return true }
