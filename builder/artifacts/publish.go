package artifacts

import (
	"fmt"
	"os"
	"path/filepath"
)

// FailedLog is the name of a failed attempt's log in DIR/<target>/: it sits
// next to the last good packages (if any), which a failure never removes.
const FailedLog = "failed.log"

// FailedPrefix names what a failed attempt publishes next to FailedLog
// besides its log ("failed-reports" for its test reports).
const FailedPrefix = "failed-"

// stagingDir is where runs stage their output, one subdirectory per run id
// (DIR/.dbuilder/staging/RUN/TARGET): a later run or gc tells whose a
// leftover is by the directory it sits in, not by parsing a name.
func stagingDir(outDir string) string { return filepath.Join(outDir, ".dbuilder", "staging") }

// Staging is a private directory under the output directory (same file
// system, so publishing is a rename).
type Staging struct {
	Dir   string // where files are written
	final string
}

// NewStaging makes a staging directory for outDir/name, owned by run.
func NewStaging(outDir, name, run string) (*Staging, error) {
	runDir := filepath.Join(stagingDir(outDir), run)
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	dir, err := os.MkdirTemp(runDir, name+"-")
	if err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	return &Staging{Dir: dir, final: filepath.Join(outDir, name)}, nil
}

// Publish replaces the final directory with the staged one, in one step
// where the system can swap them (the old one then sits in the staging
// directory's place and is removed); otherwise the old one is moved aside
// first and removed after. Readers never see a mix.
func (s *Staging) Publish() error {
	old := ""
	if _, err := os.Lstat(s.final); err == nil {
		if exchange(s.Dir, s.final) == nil {
			os.RemoveAll(s.Dir)
			return nil
		}
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

// PublishFailure keeps what the final directory holds (the last good
// packages) and moves the staged log there as FailedLog, replacing an older
// failure's. Each staged directory named in dirs that exists (test reports)
// goes there too, as FailedPrefix+name, replacing an older failure's. The
// rest of the staging directory is dropped. It returns the log's final path.
func (s *Staging) PublishFailure(log string, dirs ...string) (string, error) {
	defer s.Discard()
	if err := os.MkdirAll(s.final, 0o755); err != nil {
		return "", fmt.Errorf("publish %s: %w", s.final, err)
	}
	for _, d := range dirs {
		src := filepath.Join(s.Dir, d)
		if _, err := os.Lstat(src); err != nil {
			continue
		}
		dst := filepath.Join(s.final, FailedPrefix+d)
		os.RemoveAll(dst)
		if err := os.Rename(src, dst); err != nil {
			return "", fmt.Errorf("publish %s: %w", dst, err)
		}
	}
	dst := filepath.Join(s.final, FailedLog)
	if err := os.Rename(filepath.Join(s.Dir, log), dst); err != nil {
		return "", fmt.Errorf("publish %s: %w", dst, err)
	}
	return dst, nil
}

// Discard removes the staging directory.
func (s *Staging) Discard() { os.RemoveAll(s.Dir) }

// TidyStaging removes run's staging directory once it is empty, then the
// parents dbuilder made. A run calls it once, when all its targets are
// done: a target that tidied after itself could remove the directory
// under another target that is just making its own staging directory.
func TidyStaging(outDir, run string) {
	runDir := filepath.Join(stagingDir(outDir), run)
	if os.Remove(runDir) == nil {
		os.Remove(stagingDir(outDir))
		os.Remove(filepath.Dir(stagingDir(outDir)))
	}
}

// SweepStaging finds the staging directories of runs that no longer exist
// (a SIGKILL gives no chance to clean up), removes them unless dryRun, and
// returns their paths relative to outDir. alive says whether a run id is
// still running.
func SweepStaging(outDir string, alive func(run string) bool, dryRun bool) []string {
	root := stagingDir(outDir)
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil
	}
	var gone []string
	for _, e := range entries {
		if !e.IsDir() || alive(e.Name()) {
			continue
		}
		rel := filepath.Join(".dbuilder", "staging", e.Name())
		if dryRun || os.RemoveAll(filepath.Join(root, e.Name())) == nil {
			gone = append(gone, rel)
		}
	}
	if !dryRun {
		os.Remove(root)
		os.Remove(filepath.Dir(root))
	}
	return gone
}
