package artifacts

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Staging is a private directory next to the final one (same file system,
// so publishing is a rename).
type Staging struct {
	Dir   string // where files are written
	final string
}

// stagingPrefix starts every staging directory's name; the run id follows,
// so that a later run can tell whose a leftover one is.
const stagingPrefix = ".dbuilder-"

// NewStaging makes a staging directory for outDir/name, owned by run.
func NewStaging(outDir, name, run string) (*Staging, error) {
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	dir, err := os.MkdirTemp(outDir, stagingPrefix+run+"-"+name+"-")
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	return &Staging{Dir: dir, final: filepath.Join(outDir, name)}, nil
}

// Final is where Publish puts the files.
func (s *Staging) Final() string { return s.final }

// Publish replaces the final directory with the staged one. The old one is
// moved aside first and removed after, so readers never see a mix.
func (s *Staging) Publish() error {
	old := ""
	if _, err := os.Lstat(s.final); err == nil {
		old = s.Dir + ".old"
		if err := os.Rename(s.final, old); err != nil {
			return fmt.Errorf("publish %s: %w", s.final, err)
		}
	}
	if err := os.Rename(s.Dir, s.final); err != nil {
		if old != "" {
			os.Rename(old, s.final)
		}
		return fmt.Errorf("publish %s: %w", s.final, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// Discard removes the staging directory.
func (s *Staging) Discard() { os.RemoveAll(s.Dir) }

// KeepOnly removes every staged file but the named ones (the log of a failed
// target), so a failure never publishes half-written packages.
func (s *Staging) KeepOnly(names ...string) error {
	keep := map[string]bool{}
	for _, n := range names {
		keep[n] = true
	}
	entries, err := os.ReadDir(s.Dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !keep[e.Name()] {
			if err := os.RemoveAll(filepath.Join(s.Dir, e.Name())); err != nil {
				return err
			}
		}
	}
	return nil
}

// SweepStaging finds the staging directories in outDir that runs which no
// longer exist left behind (a SIGKILL gives no chance to clean up), removes
// them unless dryRun, and returns their names. alive says whether a run id
// is still running.
func SweepStaging(outDir string, alive func(run string) bool, dryRun bool) []string {
	entries, err := os.ReadDir(outDir)
	if err != nil {
		return nil
	}
	var gone []string
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), stagingPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		run, _, ok := strings.Cut(rest, "-")
		if !ok || alive(run) {
			continue
		}
		if dryRun || os.RemoveAll(filepath.Join(outDir, e.Name())) == nil {
			gone = append(gone, e.Name())
		}
	}
	return gone
}
