// Package matrix reads matrix.yaml and expands it into targets.
// It is pure: no Docker, no network, no clock.
package matrix

import "time"

// File is matrix.yaml as the user wrote it, after strict decoding; schema
// names its keys.
type File struct {
	Name    string
	Version string
	Source  string
	Matrix  Axes
	Exclude []Match
	Settings
	Overrides []Override
	Images    Images
}

// Settings are what the file sets for every target and an overrides: entry
// may change for some: build, test, release and timeout.
type Settings struct {
	Build   Build
	Test    Test
	Release Release
	// Timeout limits each target (see ParseTimeout); "" is DefaultTimeout.
	Timeout string
}

// Axis is one named axis of the matrix; Axes keeps the order the file gives.
type Axis struct {
	Name   string
	Values []string
}

// Axes is the ordered list of matrix axes.
type Axes []Axis

// Match maps axis names to values or globs ("fedora:*"); a target matches
// when every entry matches its axis value (path.Match).
type Match map[string]string

// Build says how the package is built.
type Build struct {
	Deps Deps
	// Root builds as root instead of the unprivileged build user (see
	// distros.BuildUser): for packages that cannot build otherwise.
	Root bool
}

// Deps are extra packages installed into the builder image, per package format.
type Deps struct {
	Deb []string
	Rpm []string
}

// Test says how the built package is tested.
type Test struct {
	Docker  bool
	Preload []string
	Command string
	// Reports are globs, relative to the built tree, naming JUnit XML files
	// the package's own tests write; dbuilder copies them out and merges
	// their test cases into its junit.xml.
	Reports []string
	// Autopkgtest says when the package's own DEP-8 tests (debian/tests)
	// run against the installed packages: ModeAuto (when the source
	// declares them), ModeOn or ModeOff.
	Autopkgtest string
	// Install says when the built packages are installed in a clean
	// container of the distro: ModeAuto (unless DEP-8 tests ran, which
	// install them), ModeOn or ModeOff.
	Install string
	// Installed is a shell script run (sh -e) in that container after the
	// install; "" runs none.
	Installed string
	// Root runs Command as root instead of the build user.
	Root bool
}

// The values of test.autopkgtest and test.install.
const (
	ModeAuto = "auto"
	ModeOn   = "on"
	ModeOff  = "off"
)

// Modes lists them, in the order messages give them.
var Modes = []string{ModeAuto, ModeOn, ModeOff}

// Release says how `dbuilder release` checks the built packages. It does
// not change what is built.
type Release struct {
	// Smoke is a shell script run (sh -e) after the packages are installed
	// in a clean container of the distro; "" runs none.
	Smoke string
	// Lint is LintError, LintWarn (the default) or LintOff.
	Lint string
	// AllowLeftovers are absolute globs (see LeftoverGlob) naming paths
	// that may stay after the packages are purged.
	AllowLeftovers []string
}

// release.lint values: whether lint errors fail a target.
const (
	LintError = "error" // an error-level finding fails the target
	LintWarn  = "warn"  // findings are reported, nothing fails
	LintOff   = "off"   // no lint
)

// LintModes lists the release.lint values, in the order messages give them.
var LintModes = []string{LintError, LintWarn, LintOff}

// Override changes the settings of the targets it matches: each key
// named in Set takes its value in Settings.
type Override struct {
	Match Match
	Settings
	// Set lists the keys the override gives, by schema path
	// ("test.preload"); "preload: []" is set and clears the list.
	Set []string
}

// Matrix is a loaded, validated matrix file.
type Matrix struct {
	Path      string // the matrix file as given
	SourceDir string // absolute path of the package source
	Name      string
	Version   string
	Axes      Axes // the axes in file order, distro included
	Targets   []Target
	Registry  Registry // the distros it was checked against; jobs resolve against the same
	Images    Images   // where base images come from (already applied to Targets' Image)
}

// Target is one cell of the matrix: a distro plus the other axis values,
// with overrides applied.
type Target struct {
	Name   string            // unique, file-name safe: "debian-bookworm", "fedora-41-arm64"
	Distro string            // "debian:bookworm"
	Axes   map[string]string // every axis value, distro included
	Build  Build
	Test   Test
	// Release is left out of JSON: the result cache hashes the target as
	// JSON, and release settings do not change what is built.
	Release Release `json:"-"`
	// Timeout limits the target's whole pipeline (0: no limit). Left out of
	// JSON for the same reason: it does not change what is built.
	Timeout time.Duration `json:"-"`

	// From the distro registry, so consumers need not look them up again.
	Family     string // "debian"
	Format     string // the package format built ("deb", "rpm"; see distros.Format)
	DepsFormat string // the Build.Deps list its image installs, by format name (usually Format)
	Image      string // base image reference, after images.mirror and images.distros
}

// Deps returns the build dependencies the target's image installs.
func (t Target) Deps() []string { return t.Build.Deps.For(t.DepsFormat) }

// For returns the list under a package format's build.deps key.
func (d Deps) For(format string) []string {
	switch format {
	case "deb":
		return d.Deb
	case "rpm":
		return d.Rpm
	}
	return nil
}
