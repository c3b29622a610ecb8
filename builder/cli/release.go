package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/release"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/run"
)

type releaseFlags struct {
	runFlags
	signKey      string
	reproducible bool
	previous     string
	prebuilt     bool
}

func newReleaseCmd(stdout, stderr io.Writer) *cobra.Command {
	var f releaseFlags
	c := &cobra.Command{
		Use:   "release [flags]",
		Short: "build, verify, lint and publish signed apt/rpm repositories",
		Args:  noArgs,
		RunE:  func(c *cobra.Command, _ []string) error { return runRelease(c.Context(), c, &f, stdout, stderr) },
	}
	fs := c.Flags()
	f.add(c, "release", "where `DIR`/<target>/ packages and DIR/repo/ repositories go")
	fs.StringVar(&f.signKey, "sign-key", "", "armored OpenPGP private key to sign with (default: env DBUILDER_SIGNING_KEY; none: unsigned repositories)")
	fs.BoolVar(&f.reproducible, "check-reproducible", false, "build each target a second time in a varied environment and compare the packages byte for byte")
	fs.StringVar(&f.previous, "previous", "", "another release's repository (`DIR`/repo or DIR) to test upgrades from (default: the output directory's own repo/, which the release adds to)")
	fs.BoolVar(&f.prebuilt, "prebuilt", false, "build nothing: release the packages an earlier build left in DIR/<target>/ (checked against its result.json), as a CI release job does with the build jobs' artifacts")
	return c
}

func runRelease(ctx context.Context, c *cobra.Command, f *releaseFlags, stdout, stderr io.Writer) error {
	if f.prebuilt && f.rebuild {
		return UsageError{errors.New("--prebuilt releases what an earlier build left, --rebuild builds again: give one of them")}
	}
	key, err := signingKey(f.signKey)
	if err != nil {
		return UsageError{err}
	}
	s, bopt, err := f.start(ctx, c.Flags(), stdout, stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	eng, jobs, id, out := s.Engine, s.Jobs, s.Run, bopt.OutputDir
	// Before anything is built: the release must be able to add to what
	// the output directory holds.
	if err := release.Preflight(out, f.previous, key != nil); err != nil {
		return UsageError{err}
	}

	jobs = release.BuildJobs(jobs)
	started := time.Now()
	build := run.Build
	if f.prebuilt {
		build = run.Prebuilt
	}
	built, err := build(ctx, eng, jobs, bopt)
	if err != nil {
		return buildError(ctx, err)
	}
	report.Summary(stdout, built)
	rep := report.NewReport(id.ID, Version, eng.Endpoint(), started, built)
	if ctx.Err() != nil {
		if err := report.WriteReport(out, rep); err != nil {
			fmt.Fprintf(stderr, "dbuilder: %v\n", err)
		}
		return context.Canceled
	}
	// The checks after the build (verify, upgrade, repositories) wait on
	// containers too: the same watchdog as the build's.
	rctx, stopWatch := engine.Watch(ctx, eng, 5*time.Second, run.DefaultDaemonSilence)
	defer stopWatch()
	o, err := release.Release(rctx, eng, jobs, built, release.Options{
		OutputDir: out, Run: id, Jobs: bopt.Jobs, Key: key, CheckReproducible: f.reproducible,
		Build: bopt, Origin: s.Matrix.Name, Previous: f.previous, Stdout: stdout,
	})
	if o != nil {
		for i := range rep.Targets {
			rep.Targets[i].Release = &o.Targets[i]
		}
		rep.Repositories = o.Repos
		rep.Finished = time.Now().UTC()
	}
	repErr := report.WriteReport(out, rep)
	if silent := engine.IsSilent(context.Cause(rctx)); silent != nil {
		if repErr != nil {
			fmt.Fprintf(stderr, "dbuilder: %v\n", repErr)
		}
		return fmt.Errorf("release: %w; what it could not remove is left for 'dbuilder gc' once the daemon answers again", silent)
	}
	if err != nil {
		if repErr != nil {
			fmt.Fprintf(stderr, "dbuilder: %v\n", repErr)
		}
		if ctx.Err() != nil {
			return context.Canceled
		}
		var ke release.KeyError
		var re release.RepoError
		if errors.As(err, &ke) || errors.As(err, &re) {
			return UsageError{err}
		}
		return err
	}
	release.Summary(stdout, jobs, o)
	return releaseOutcome(stdout, o, len(jobs), out, key != nil, repErr)
}

// releaseOutcome is a finished release's error, or its closing line:
// failed targets or repositories fail it, and so do reports that could not
// be written.
func releaseOutcome(stdout io.Writer, o *release.Outcome, targets int, out string, signed bool, repErr error) error {
	var failed error
	if n := o.Failed(); n > 0 {
		failed = FailedError{fmt.Sprintf("release: %d of %d target(s) failed; no repositories were made", n, targets)}
	} else if o.Repos != nil && o.Repos.Error != "" {
		failed = FailedError{"release: every target passed, but " + o.Repos.Error}
	}
	if repErr != nil {
		return reportFailure(repErr, failed)
	}
	if failed != nil {
		return failed
	}
	if !signed {
		fmt.Fprintf(stdout, "\nall %d target(s) released; the repositories in %s are UNSIGNED\n", targets, filepath.Join(out, release.RepoDir))
	} else {
		fmt.Fprintf(stdout, "\nall %d target(s) released; signed repositories in %s\n", targets, filepath.Join(out, release.RepoDir))
	}
	return nil
}

// signingKey reads the key from --sign-key FILE, else DBUILDER_SIGNING_KEY;
// nil when neither is given. Errors never quote the key.
func signingKey(file string) ([]byte, error) {
	var data []byte
	switch {
	case file != "":
		st, err := os.Stat(file)
		if err != nil {
			return nil, fmt.Errorf("--sign-key: %w", err)
		}
		if st.Size() > release.MaxKeySize {
			return nil, fmt.Errorf("--sign-key %s: larger than %d bytes; is it really one armored private key?", file, release.MaxKeySize)
		}
		if data, err = os.ReadFile(file); err != nil {
			return nil, fmt.Errorf("--sign-key: %w", err)
		}
	case os.Getenv("DBUILDER_SIGNING_KEY") != "":
		data = []byte(os.Getenv("DBUILDER_SIGNING_KEY"))
	default:
		return nil, nil
	}
	if err := release.CheckKey(data); err != nil {
		src := "DBUILDER_SIGNING_KEY"
		if file != "" {
			src = "--sign-key " + file
		}
		return nil, fmt.Errorf("%s: %w", src, err)
	}
	return data, nil
}
