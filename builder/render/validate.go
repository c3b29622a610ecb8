package render

import (
	"errors"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/dbuilder/dbuilder/builder/names"
	"github.com/dbuilder/dbuilder/distros"
)

var (
	targetName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{0,127}$`)
	distroName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*:[a-z0-9][a-z0-9.-]*$`)
	filePath   = regexp.MustCompile(`^(/[A-Za-z0-9._+-]+)+$`)
	repoID     = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)
)

// check validates every value that reaches the Dockerfile, even those the
// matrix loader already checked: a caller that forgot must not be able to
// inject a line. It reports every problem at once.
func check(in Input) error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	t, d, f := in.Target, in.Distro, in.Family

	if !targetName.MatchString(t.Name) {
		bad("target name %q: want lowercase letters, digits, '.' and '-'", t.Name)
	}
	if !distroName.MatchString(d.Name) {
		bad("distro name %q: want NAME:RELEASE in lowercase letters, digits, '.' and '-'", d.Name)
	}
	if t.Distro != d.Name {
		bad("target is for distro %q but the input distro is %q", t.Distro, d.Name)
	}
	if d.Family != f.Name {
		bad("distro %s is in family %q but the input family is %q", d.Name, d.Family, f.Name)
	}
	format, err := distros.FormatOf(f)
	if err != nil {
		bad("%v", err)
	}
	if err := image(d.Image); err != nil {
		bad("distro %s image: %v", d.Name, err)
	}
	pkgFormat := f.Deps()
	for _, p := range append(append([]string(nil), f.Toolchain...), d.Tools...) {
		if err := pkg(pkgFormat, p); err != nil {
			bad("toolchain: %v", err)
		}
	}
	for _, r := range d.Repos {
		if !repoID.MatchString(r) {
			bad("distro %s: invalid repository id %q", d.Name, r)
		}
	}
	for _, p := range deps(in) {
		if err := pkg(pkgFormat, p); err != nil {
			bad("build.deps.%s: %v", pkgFormat, err)
		}
	}
	if format != nil {
		specName := format.SpecName()
		if specName != nil && !specName.MatchString(in.SpecFile) {
			bad("spec file %q: want the base name of one %s spec file (%s)", in.SpecFile, f.Format, specName)
		}
		if specName == nil && in.SpecFile != "" {
			bad("spec file %q given for the %s family, whose %s format has a fixed metadata path", in.SpecFile, f.Name, f.Format)
		}
	}
	if c := in.DockerCLI; t.Test.Docker && c.Image != "" {
		if err := image(c.Image); err != nil {
			bad("docker CLI image: %v", err)
		}
		if !filePath.MatchString(c.Path) || path.Clean(c.Path) != c.Path {
			bad("docker CLI path %q: want a clean absolute path", c.Path)
		}
	}
	return errors.Join(errs...)
}

// pkg checks a package name by its grammar and, in case that grammar ever
// loosens, against what stays inert inside single quotes on a RUN line.
func pkg(format, s string) error {
	if err := names.Package(format, s); err != nil {
		return err
	}
	return inert(s)
}

// image checks an image reference by its grammar, and as pkg does.
func image(s string) error {
	if err := names.ImageRef(s); err != nil {
		return err
	}
	return inert(s)
}

// inert rejects what could end a Dockerfile line, a shell quote or word, or
// read as an option: control characters, whitespace, quotes, backslash, $,
// a leading '-'.
func inert(s string) error {
	if s == "" {
		return errors.New("empty value")
	}
	if s[0] == '-' {
		return fmt.Errorf("%q starts with '-'", s)
	}
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune("'\"`\\$", r) {
			return fmt.Errorf("%q contains %q", s, r)
		}
	}
	return nil
}
