package distros

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
)

func init() { RegisterFormat(rpm{}) }

// rpm is the RPM format: rpmbuild from NAME.spec, createrepo_c repositories.
type rpm struct{}

func (rpm) Name() string { return "rpm" }

// Spec finds the one .spec file at the top of the source.
func (rpm) Spec(src fs.FS, where string, fam Family) (string, error) {
	entries, err := fs.ReadDir(src, ".")
	if err != nil {
		return "", fmt.Errorf("source %s: %w", where, err)
	}
	var specs []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".spec") && (e.Type().IsRegular() || e.Type()&fs.ModeSymlink != 0) {
			specs = append(specs, e.Name())
		}
	}
	sort.Strings(specs)
	switch len(specs) {
	case 1:
		return specs[0], nil
	case 0:
		return "", fmt.Errorf("source %s has no .spec file at its top; the %s family builds from one: add NAME.spec there or drop the %s targets",
			where, fam.Name, strings.Join(Bases(fam.Name), ", "))
	}
	return "", fmt.Errorf("source %s has %d .spec files at its top (%s); the %s family needs exactly one: keep one there and move the others into a subdirectory",
		where, len(specs), strings.Join(specs, ", "), fam.Name)
}

var specName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*\.spec$`)

func (rpm) SpecName() *regexp.Regexp { return specName }

func (rpm) Package() Package { return Package{Suffix: ".rpm", SourceSuffix: ".src.rpm"} }

// rpmlint exits 64 or 66 when it has findings: only other codes fail.
func (rpm) Lint() Lint {
	return Lint{
		Tool: "rpmlint",
		Script: `mkdir -p out
code=0
rpmlint pkgs/*.rpm > out/lint.txt || code=$?
cat out/lint.txt
case $code in 0 | 64 | 66) ;; *) echo "rpmlint failed (exit code $code)"; exit 2 ;; esac
`,
		// "hellodb.x86_64: W: tag-name detail...".
		Line:     rpmlintLine,
		Severity: 2, Pkg: 1, Tag: 3, Detail: 4,
		Unsigned: []string{"no-signature"},
	}
}

var rpmlintLine = regexp.MustCompile(`^(\S+?): ([EWI]): (\S+)(?: (.*))?$`)

// rpm repositories: the rpms and repodata/ (scripts/repo-rpm.sh); the
// source rpms (made by the build, rpmbuild -ba) in SRPMS/, a repository of
// their own, as dnf download --source expects.
func (rpm) Repo() Repo {
	return Repo{Dir: "rpm", Script: "repo-rpm.sh", Pool: []string{".", "SRPMS"}, SourceRepo: "SRPMS"}
}

// DeclaresTests: rpm has no format of its own for tests of installed
// packages (test.installed is the way there).
func (rpm) DeclaresTests(fs.FS) bool { return false }

func (rpm) HasTests() bool { return false }
