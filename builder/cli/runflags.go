package cli

import (
	"context"
	"fmt"
	"io"
	"path/filepath"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/dbuilder/dbuilder/builder/ci"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/run"
	"github.com/dbuilder/dbuilder/builder/session"
)

// runFlags are the flags of the commands that build (build, release).
type runFlags struct {
	matrixFlags
	output       string
	jobs         int
	timeout      timeoutFlag
	sidecarImage string
	pull         string
	rebuild      bool
	cache        string
	mtu          int
}

func (f *runFlags) add(c *cobra.Command, verb, output string) {
	f.matrixFlags.add(c, "targets to "+verb)
	fs := c.Flags()
	addJobs(fs, &f.jobs, "targets to "+verb+" at once")
	addOutput(fs, &f.output, output)
	addTimeout(fs, &f.timeout)
	addSidecarImage(fs, &f.sidecarImage)
	addPull(fs, &f.pull)
	addCacheRegistry(fs, &f.cache)
	fs.BoolVar(&f.rebuild, "rebuild", false, "build even the targets whose last good result is current")
	fs.IntVar(&f.mtu, "mtu", 0, "the MTU of the sidecars' daemons (`N`); 0 takes the MTU of the daemon's default network, which sidecars join")
}

// start checks the flags, opens the session and returns the run.Build
// options they make. The caller closes the session.
func (f *runFlags) start(ctx context.Context, fs *pflag.FlagSet, stdout, stderr io.Writer) (*session.Session, run.Options, error) {
	jobs, err := jobsOrCPUs(fs, f.jobs)
	if err != nil {
		return nil, run.Options{}, err
	}
	if f.mtu != 0 && (f.mtu < ci.MinMTU || f.mtu > ci.MaxMTU) {
		return nil, run.Options{}, UsageError{fmt.Errorf("--mtu %d: want a value from %d to %d, or 0 for the MTU of the daemon's default network", f.mtu, ci.MinMTU, ci.MaxMTU)}
	}
	policy, err := pull.ParsePolicy(f.pull)
	if err != nil {
		return nil, run.Options{}, UsageError{err}
	}
	out, err := filepath.Abs(f.output)
	if err != nil {
		return nil, run.Options{}, UsageError{fmt.Errorf("--output: %w", err)}
	}
	cache, err := cacheFlag(f.cache)
	if err != nil {
		return nil, run.Options{}, err
	}
	c := f.config(stderr, f.sidecarImage)
	s, err := open(ctx, c)
	if err != nil {
		return nil, run.Options{}, err
	}
	f.timeout.apply(s.Jobs)
	return s, run.Options{
		OutputDir: out, Jobs: jobs, Run: s.Run, Sidecar: c.Sidecar, Stdout: stdout,
		Rebuild: f.rebuild, CCache: true, Pull: policy, SidecarBases: sidecarBases(s.Matrix),
		Cache: cacheRepo(cache, s.Matrix), MTU: f.mtu,
	}, nil
}
