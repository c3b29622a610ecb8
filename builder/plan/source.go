package plan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxLinkProblems bounds the list in one error; the first few say enough.
const maxLinkProblems = 10

// CheckSource refuses a source tree with a symbolic link that leads out of
// it (absolute, or climbing above the root once resolved): the tree goes to
// the daemon as a tar stream, where such a link would point at nothing, or
// at something on the build host. Links that stay inside are sent as links.
// .git is skipped, as the tar stream skips it.
func CheckSource(root string) error {
	var bad []string
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.IsDir() && e.Name() == ".git" {
			return filepath.SkipDir
		}
		if e.Type()&fs.ModeSymlink == 0 {
			return nil
		}
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if filepath.IsAbs(target) {
			bad = append(bad, fmt.Sprintf("%s -> %s (absolute)", rel, target))
			return nil
		}
		real, err := filepath.EvalSymlinks(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) && inside(root, filepath.Join(filepath.Dir(p), target)) {
				return nil // dangling, but inside: the build may create its target
			}
			bad = append(bad, fmt.Sprintf("%s -> %s (%v)", rel, target, err))
			return nil
		}
		if !inside(root, real) {
			bad = append(bad, fmt.Sprintf("%s -> %s (resolves to %s, outside the source)", rel, target, real))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("source %s: %w", root, err)
	}
	if len(bad) == 0 {
		return nil
	}
	more := ""
	if len(bad) > maxLinkProblems {
		more = fmt.Sprintf("\n  ... and %d more", len(bad)-maxLinkProblems)
		bad = bad[:maxLinkProblems]
	}
	return fmt.Errorf("source %s has symbolic links that lead out of it; only links inside the tree can be sent to the daemon (copy the files in, or make the links relative and inside):\n  %s%s",
		root, strings.Join(bad, "\n  "), more)
}

// inside reports whether p (cleaned) lies within dir.
func inside(dir, p string) bool {
	rel, err := filepath.Rel(dir, filepath.Clean(p))
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
