package render

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/distros"
)

// maxMeta bounds a control or spec file; real ones are a few kB.
const maxMeta = 1 << 20

// ContextFiles returns the builder image's build context: the package
// metadata its package manager reads build dependencies from, keyed by
// slash path as in the source and as the templates COPY it
// ("debian/control", or "NAME.spec" at the top). The rpm-on-debian image does not read the spec, but
// the build needs it, so a missing one fails here, early.
func ContextFiles(sourceDir string, fam distros.Family) (map[string][]byte, error) {
	if fi, err := os.Stat(sourceDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("source %s is not a readable directory", sourceDir)
	}
	var rel string
	switch fam.Format {
	case "deb":
		rel = "debian/control"
		if fi, err := os.Stat(filepath.Join(sourceDir, rel)); err != nil || !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("source %s has no debian/control; the %s family needs one: add debian/ or drop the %s targets",
				sourceDir, fam.Name, strings.Join(distros.Bases(fam.Name), ", "))
		}
	case "rpm":
		spec, err := SpecFile(sourceDir, fam)
		if err != nil {
			return nil, err
		}
		rel = spec
	default:
		return nil, fmt.Errorf("family %s: unknown package format %q", fam.Name, fam.Format)
	}
	b, err := readSmall(filepath.Join(sourceDir, rel))
	if err != nil {
		return nil, err
	}
	return map[string][]byte{rel: b}, nil
}

// SpecFile returns the base name of the one .spec file at the top of
// sourceDir, for Input.SpecFile; fam only shapes the error message.
func SpecFile(sourceDir string, fam distros.Family) (string, error) {
	entries, err := os.ReadDir(sourceDir)
	if err != nil {
		return "", fmt.Errorf("source %s: %w", sourceDir, err)
	}
	var specs []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".spec") && (e.Type().IsRegular() || e.Type()&os.ModeSymlink != 0) {
			specs = append(specs, e.Name())
		}
	}
	sort.Strings(specs)
	switch len(specs) {
	case 1:
		return specs[0], nil
	case 0:
		return "", fmt.Errorf("source %s has no .spec file at its top; the %s family builds from one: add NAME.spec there or drop the %s targets",
			sourceDir, fam.Name, strings.Join(distros.Bases(fam.Name), ", "))
	}
	return "", fmt.Errorf("source %s has %d .spec files at its top (%s); the %s family needs exactly one: keep one there and move the others into a subdirectory",
		sourceDir, len(specs), strings.Join(specs, ", "), fam.Name)
}

func readSmall(name string) ([]byte, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", name)
	}
	if fi.Size() > maxMeta {
		return nil, fmt.Errorf("%s is %d bytes; package metadata over %d bytes is not plausible", name, fi.Size(), maxMeta)
	}
	return os.ReadFile(name)
}
