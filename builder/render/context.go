package render

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/dbuilder/dbuilder/distros"
)

// maxMeta bounds a control or spec file; real ones are a few kB.
const maxMeta = 1 << 20

// ContextFiles returns the builder image's build context: the package
// metadata its package manager reads build dependencies from, keyed by
// slash path as in the source and as the templates COPY it
// ("debian/control", or "NAME.spec" at the top); the family's format says
// which. The rpm-on-debian image does not read the spec, but the build
// needs it, so a missing one fails here, early.
func ContextFiles(sourceDir string, fam distros.Family) (map[string][]byte, error) {
	if fi, err := os.Stat(sourceDir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("source %s is not a readable directory", sourceDir)
	}
	rel, err := SpecFile(sourceDir, fam)
	if err != nil {
		return nil, err
	}
	b, err := readSmall(filepath.Join(sourceDir, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	return map[string][]byte{rel: b}, nil
}

// SpecFile returns the slash path of the package's metadata in sourceDir
// as fam's format finds it ("debian/control", "NAME.spec"). Where the
// format names the spec after the package, this is Input.SpecFile.
func SpecFile(sourceDir string, fam distros.Family) (string, error) {
	f, err := distros.FormatOf(fam)
	if err != nil {
		return "", err
	}
	return f.Spec(os.DirFS(sourceDir), sourceDir, fam)
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
