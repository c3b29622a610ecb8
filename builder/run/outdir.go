package run

import (
	"fmt"
	"path/filepath"

	"github.com/dbuilder/dbuilder/builder/plan"
)

// resolvedPath is p made absolute with its symbolic links resolved, as the
// matrix resolves the source directory, so that the two compare as places
// rather than as text. The part of p that does not exist yet (dist/ before
// the first build) is kept as written below its deepest existing ancestor.
func resolvedPath(p string) (string, error) {
	abs, err := filepath.Abs(p)
	if err != nil {
		return "", err
	}
	rest := ""
	for dir := abs; ; dir = filepath.Dir(dir) {
		if real, err := filepath.EvalSymlinks(dir); err == nil {
			return filepath.Join(real, rest), nil
		}
		if filepath.Dir(dir) == dir {
			return abs, nil
		}
		rest = filepath.Join(filepath.Base(dir), rest)
	}
}

// outputIsSource refuses an output directory that is a job's source
// directory itself: skipping it would send nothing at all.
func outputIsSource(out string, jobs []plan.Job) error {
	real, err := resolvedPath(out)
	if err != nil {
		return nil
	}
	for _, j := range jobs {
		if real == j.SourceDir {
			return fmt.Errorf("--output %s is the source directory %s itself; give a directory inside it (the default, dist) or elsewhere", out, j.SourceDir)
		}
	}
	return nil
}
