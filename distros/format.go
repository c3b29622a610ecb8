package distros

import (
	"fmt"
	"io/fs"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Format is what differs between package formats: where a package's
// metadata lives in its source, which built files are packages, and how
// `dbuilder release` lints them and lays out their repository. Each format
// registers itself in one file (format_deb.go, format_rpm.go); a family
// names its format in Family.Format. A format's name is also its build.deps
// key in matrix.yaml and the package-name grammar builder/names checks
// against.
type Format interface {
	// Name is "deb", "rpm".
	Name() string
	// Spec finds the package's metadata in the source tree src: the file,
	// by slash path, its package manager reads build dependencies from
	// ("debian/control", "hellodb.spec"). where names src and fam the
	// family asking, for messages that say how to fix the source.
	Spec(src fs.FS, where string, fam Family) (string, error)
	// SpecName is nil when the spec's path is fixed (the template knows
	// it); otherwise the spec is named after the package, the template
	// COPYs it by the name in .SpecFile, and that name must match.
	SpecName() *regexp.Regexp
	// Package says which built files are packages of this format.
	Package() Package
	// Lint says how release lints the packages.
	Lint() Lint
	// Repo says how release lays out a repository of them.
	Repo() Repo
	// HasTests says whether the format has its own tests of installed
	// packages at all (DEP-8 for deb).
	HasTests() bool
	// DeclaresTests says whether the source tree declares the format's own
	// tests of installed packages (DEP-8's debian/tests for deb; rpm has
	// none), which test.autopkgtest: auto runs.
	DeclaresTests(src fs.FS) bool
}

// Package names a format's files by suffix.
type Package struct {
	Suffix       string // ".deb"
	SourceSuffix string // ".src.rpm": a source package, never installed; "" for none
}

// Lint is a linter run in the release tools image. Script runs with the
// packages in pkgs/ and writes its findings to out/lint.txt; it fails
// only when the linter itself did not work.
type Lint struct {
	Tool   string
	Script string
	// Line matches one finding; the indexes say which of its groups holds
	// the severity letter, the package, the tag and the detail.
	Line                       *regexp.Regexp
	Severity, Pkg, Tag, Detail int
	// Unsigned are tags about a missing signature: the packages are
	// linted before the repository signs them.
	Unsigned []string
}

// Repo is a format's repository layout in the release's repo/ directory.
type Repo struct {
	Dir string // subdirectory of repo/ holding one repository a distro: "apt"
	// Suite says the repository has suites (dists/SUITE); the distro's
	// release ("bookworm") names it.
	Suite bool
	// Script, under scripts/, makes and signs one repository; release's
	// repo.sh sources it (see repo-deb.sh for what it is given).
	Script string
	// Pool lists the directories, relative to a repository, whose files
	// (not subdirectories) are what it holds: a later release keeps them
	// and makes the rest (indexes, signatures) again from them.
	Pool []string
	// SourceScript, under scripts/, builds the source package once per
	// release in the release tools container (see source-deb.sh); ""
	// when the build makes it itself (rpmbuild -ba makes the .src.rpm).
	SourceScript string
	// SourceRepo is the subdirectory of a repository that holds the
	// source packages as a repository of their own (rpm's SRPMS); ""
	// when they sit with the binaries (apt's pool, indexed by Sources).
	SourceRepo string
}

var (
	formatsMu sync.RWMutex
	formats   = map[string]Format{}
)

// RegisterFormat adds f to the formats families may name; a format of the
// same name is replaced (tests register fakes).
func RegisterFormat(f Format) {
	if f.Name() == "" {
		panic("distros: a format without a name")
	}
	formatsMu.Lock()
	defer formatsMu.Unlock()
	formats[f.Name()] = f
}

// LookupFormat finds a registered format by name.
func LookupFormat(name string) (Format, bool) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	f, ok := formats[name]
	return f, ok
}

// FormatOf returns the format fam builds, or an error naming the known ones.
func FormatOf(fam Family) (Format, error) {
	if f, ok := LookupFormat(fam.Format); ok {
		return f, nil
	}
	return nil, fmt.Errorf("family %s: unknown package format %q (known: %s)", fam.Name, fam.Format, strings.Join(FormatNames(), ", "))
}

// FormatNames lists the registered formats, sorted.
func FormatNames() []string {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	out := make([]string, 0, len(formats))
	for n := range formats {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// IsPackage reports whether the file name is a package of any format
// (a source package included).
func IsPackage(name string) bool {
	_, ok := packageFormat(name)
	return ok
}

// IsSourcePackage reports whether the file name is a source package, which
// is published but never installed.
func IsSourcePackage(name string) bool {
	f, ok := packageFormat(name)
	s := ""
	if ok {
		s = f.Package().SourceSuffix
	}
	return s != "" && strings.HasSuffix(name, s)
}

func packageFormat(name string) (Format, bool) {
	formatsMu.RLock()
	defer formatsMu.RUnlock()
	for _, f := range formats {
		if s := f.Package().Suffix; s != "" && strings.HasSuffix(name, s) {
			return f, true
		}
	}
	return nil, false
}
