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
