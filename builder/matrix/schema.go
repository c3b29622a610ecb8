package matrix

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/dbuilder/dbuilder/builder/names"
)

// key is one key of matrix.yaml.
type key struct {
	path     string // from the top, dotted: "test.preload"
	required bool   // a file without it is an error
	// override: an overrides: entry may set it. The entry's value replaces
	// the target's, a list's too ("preload: []" clears it); the last
	// matching entry wins.
	override bool
	def      string // default of a string key, applied before overrides
	// field points into Settings: a *string, *bool or *[]string. The keys
	// without one are read by decodeFile itself.
	field func(*Settings) any
	// check is run on each string the file gives (each item of a list).
	check func(string) error
}

// schema is matrix.yaml, one key a line, in the order users read them.
// What knows the file's keys reads it: the decoder's known keys (and its
// "unknown key" messages), required keys, defaults, what an override may
// change and how it merges, the checks on values, and the test that
// docs/matrix.md documents every key.
var schema = []key{
	{path: "name", required: true},
	{path: "version", required: true},
	{path: "source", def: "."}, // relative to the matrix file
	{path: "matrix", required: true},
	{path: "exclude"},
	{path: "build.deps.deb", override: true, check: debPackage,
		field: func(s *Settings) any { return &s.Build.Deps.Deb }},
	{path: "build.deps.rpm", override: true, check: rpmPackage,
		field: func(s *Settings) any { return &s.Build.Deps.Rpm }},
	{path: "build.root", override: true,
		field: func(s *Settings) any { return &s.Build.Root }},
	{path: "test.docker", override: true,
		field: func(s *Settings) any { return &s.Test.Docker }},
	{path: "test.preload", override: true, check: names.ImageRef,
		field: func(s *Settings) any { return &s.Test.Preload }},
	{path: "test.command", override: true, check: script,
		field: func(s *Settings) any { return &s.Test.Command }},
	{path: "test.reports", override: true, check: reportGlob,
		field: func(s *Settings) any { return &s.Test.Reports }},
	{path: "test.autopkgtest", override: true, def: ModeAuto, check: mode,
		field: func(s *Settings) any { return &s.Test.Autopkgtest }},
	{path: "test.install", override: true, def: ModeAuto, check: mode,
		field: func(s *Settings) any { return &s.Test.Install }},
	{path: "test.installed", override: true, check: script,
		field: func(s *Settings) any { return &s.Test.Installed }},
	{path: "test.root", override: true,
		field: func(s *Settings) any { return &s.Test.Root }},
	{path: "release.smoke", override: true, check: script,
		field: func(s *Settings) any { return &s.Release.Smoke }},
	{path: "release.lint", override: true, def: LintWarn, check: lintMode,
		field: func(s *Settings) any { return &s.Release.Lint }},
	{path: "release.allow_leftovers", override: true, check: leftoverGlob,
		field: func(s *Settings) any { return &s.Release.AllowLeftovers }},
	{path: "overrides"},
	{path: "images.mirror"},
	{path: "images.distros"},
	{path: "images.cache"},
	{path: "timeout", override: true, def: FormatTimeout(DefaultTimeout), check: timeout,
		field: func(s *Settings) any { return &s.Timeout }},
}

// lookup returns the key at path, or nil for a section ("test") or an
// unknown path.
func lookup(path string) *key {
	for i := range schema {
		if schema[i].path == path {
			return &schema[i]
		}
	}
	return nil
}

// sectionKeys lists the names directly under section ("" for the top
// level), in schema order; overriding keeps those an override may set.
func sectionKeys(section string, overriding bool) []string {
	var out []string
	for _, k := range schema {
		rest, ok := strings.CutPrefix(k.path, section+".")
		if section == "" {
			rest, ok = k.path, true
		}
		if !ok || overriding && !k.override {
			continue
		}
		name, _, _ := strings.Cut(rest, ".")
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out
}

// overrideKeys are the keys of an overrides: entry.
func overrideKeys() []string { return append([]string{"match"}, sectionKeys("", true)...) }

func debPackage(s string) error { return names.Package(names.Deb, s) }
func rpmPackage(s string) error { return names.Package(names.Rpm, s) }

// script accepts any shell script except one with NUL bytes: it is handed
// to the container as a file, never pasted into a Dockerfile, so nothing
// else in it can escape.
func script(s string) error {
	if strings.ContainsRune(s, 0) {
		return errors.New("contains a NUL byte")
	}
	return nil
}

func reportGlob(g string) error {
	if err := ReportGlob(g); err != nil {
		return fmt.Errorf("invalid glob %s: %v", names.Quote(g), err)
	}
	return nil
}

func mode(s string) error {
	if !slices.Contains(Modes, s) {
		return fmt.Errorf("must be one of %s, got %s%s", strings.Join(Modes, ", "), names.Quote(s), didYouMean(s, Modes))
	}
	return nil
}

func leftoverGlob(g string) error {
	if err := LeftoverGlob(g); err != nil {
		return fmt.Errorf("invalid glob %s: %v", names.Quote(g), err)
	}
	return nil
}

func lintMode(s string) error {
	if !slices.Contains(LintModes, s) {
		return fmt.Errorf("must be one of %s, got %s%s", strings.Join(LintModes, ", "), names.Quote(s), didYouMean(s, LintModes))
	}
	return nil
}

func timeout(s string) error {
	_, err := ParseTimeout(s)
	return err
}
