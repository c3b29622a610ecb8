package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/release"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/run"
)

type releaseFlags struct {
	file, distro, output string
	jobs                 int
	signKey              string
	reproducible         bool
	timeout              timeoutFlag
	sidecarImage         string
	rebuild              bool
}

func init() {
	register(command{name: "release", summary: "build, verify, lint and publish signed apt/rpm repositories", run: runRelease})
}

func runRelease(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f releaseFlags
	fs := newFlagSet("release", "dbuilder release [-f FILE] [--distro SEL] [-j N] [--output DIR] [--sign-key FILE] [--check-reproducible] [--timeout D] [--rebuild] [--sidecar-image REF]", stderr)
	fs.StringVar(&f.file, "f", "matrix.yaml", "matrix file")
	fs.StringVar(&f.distro, "distro", "", "targets to release: name, distro, family or glob (comma-separated)")
	fs.IntVar(&f.jobs, "j", runtime.NumCPU(), "targets to build and check at once")
	fs.StringVar(&f.output, "output", "dist", "where DIR/<target>/ packages and DIR/repo/ repositories go")
	fs.StringVar(&f.signKey, "sign-key", "", "armored OpenPGP private key to sign with (default: env DBUILDER_SIGNING_KEY; none: unsigned repositories)")
	fs.BoolVar(&f.reproducible, "check-reproducible", false, "build each target a second time in a varied environment and compare the packages byte for byte")
	fs.Var(&f.timeout, "timeout", timeoutUsage)
	fs.StringVar(&f.sidecarImage, "sidecar-image", "", "sidecar image: docker:dind or one like it (default: dbuilder's own; env DBUILDER_SIDECAR_IMAGE)")
	fs.BoolVar(&f.rebuild, "rebuild", false, "build even the targets whose last good result is current")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if f.jobs < 1 {
		return UsageError{fmt.Errorf("-j must be at least 1, got %d", f.jobs)}
	}
	key, err := signingKey(f.signKey)
	if err != nil {
		return UsageError{err}
	}
	sc := sidecarImage(f.sidecarImage)
	m, jobs, err := loadJobs(f.file, f.distro, sc)
	if err != nil {
		return err
	}
	out, err := filepath.Abs(f.output)
	if err != nil {
		return UsageError{err}
	}
	eng, err := connect(ctx, stderr)
	if err != nil {
		return UsageError{err}
	}
	defer eng.Close()
	if jobs, err = forDaemon(ctx, eng, m, jobs, sc); err != nil {
		return err
	}
	f.timeout.apply(jobs)

	started, id := time.Now(), ident.NewRun(Version)
	bopt := run.Options{
		OutputDir: out, Jobs: f.jobs, Run: id, Sidecar: sc, Stdout: stdout,
		Rebuild: f.rebuild, CCache: true,
	}
	built, err := run.Build(ctx, eng, jobs, bopt)
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
		OutputDir: out, Run: id, Jobs: f.jobs, Key: key, CheckReproducible: f.reproducible,
		Build: bopt, Origin: m.Name, Stdout: stdout,
	})
	if o != nil {
		for i := range rep.Targets {
			rep.Targets[i].Release = &o.Targets[i]
		}
		rep.Repositories = o.Repos
		rep.Finished = time.Now().UTC()
	}
	repErr := report.WriteReport(out, rep)
	if s := engine.IsSilent(context.Cause(rctx)); s != nil {
		if repErr != nil {
			fmt.Fprintf(stderr, "dbuilder: %v\n", repErr)
		}
		return fmt.Errorf("release: %w; what it could not remove is left for 'dbuilder gc' once the daemon answers again", s)
	}
	if err != nil {
		if repErr != nil {
			fmt.Fprintf(stderr, "dbuilder: %v\n", repErr)
		}
		if ctx.Err() != nil {
			return context.Canceled
		}
		var ke release.KeyError
		if errors.As(err, &ke) {
			return UsageError{err}
		}
		return err
	}
	release.Summary(stdout, jobs, o)
	var failed error
	if n := o.Failed(); n > 0 {
		failed = FailedError{fmt.Sprintf("release: %d of %d target(s) failed; no repositories were made", n, len(jobs))}
	} else if o.Repos != nil && o.Repos.Error != "" {
		failed = FailedError{"release: every target passed, but " + o.Repos.Error}
	}
	if repErr != nil {
		return reportFailure(repErr, failed)
	}
	if failed != nil {
		return failed
	}
	if key == nil {
		fmt.Fprintf(stdout, "\nall %d target(s) released; the repositories in %s are UNSIGNED\n", len(jobs), filepath.Join(out, release.RepoDir))
	} else {
		fmt.Fprintf(stdout, "\nall %d target(s) released; signed repositories in %s\n", len(jobs), filepath.Join(out, release.RepoDir))
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
