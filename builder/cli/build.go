package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"runtime"
	"time"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/pull"
	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/run"
)

type buildFlags struct {
	file, distro, output string
	jobs                 int
	failFast, keepGoing  bool
	timeout              timeoutFlag
	cpus                 float64
	memory               string
	sidecarImage         string
	rebuild, incremental bool
	noCCache             bool
	pull, mirror         string
	progress             string
}

func init() {
	register(command{name: "build", summary: "build and test the selected targets", run: runBuild})
}

func runBuild(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var f buildFlags
	fs := newFlagSet("build", "dbuilder build [-f FILE] [--distro SEL] [-j N] [--output DIR] [--keep-going|--fail-fast] [--timeout D] [--rebuild] [--incremental] [--no-ccache] [--sidecar-image REF] [--pull missing|always|never] [--mirror PREFIX] [--progress auto|tty|plain]", stderr)
	fs.StringVar(&f.file, "f", "matrix.yaml", "matrix file")
	fs.StringVar(&f.distro, "distro", "", "targets to build: name, distro, family or glob (comma-separated)")
	fs.IntVar(&f.jobs, "j", runtime.NumCPU(), "targets to build at once")
	fs.StringVar(&f.output, "output", "dist", "where DIR/<target>/ artifacts and logs go")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop the other targets at the first failure")
	fs.BoolVar(&f.keepGoing, "keep-going", true, "build every target even if some fail (default; --keep-going=false is --fail-fast)")
	fs.Var(&f.timeout, "timeout", timeoutUsage)
	fs.Float64Var(&f.cpus, "cpus", 0, "CPU limit per container (e.g. 1.5); 0 means none")
	fs.StringVar(&f.memory, "memory", "", "memory limit per container (e.g. 2g); empty means none")
	fs.StringVar(&f.sidecarImage, "sidecar-image", "", "sidecar image: docker:dind or one like it (default: dbuilder's own, built locally; env DBUILDER_SIDECAR_IMAGE)")
	fs.BoolVar(&f.rebuild, "rebuild", false, "build even the targets whose last good result is current")
	fs.BoolVar(&f.incremental, "incremental", false, "keep each target's built tree and skip the clean step (edit-build-test loop; not for releases)")
	fs.BoolVar(&f.noCCache, "no-ccache", false, "do not use the per-target compiler cache")
	fs.StringVar(&f.pull, "pull", "missing", "pull base, preload and sidecar images: missing (those the daemon lacks), always, or never (offline)")
	fs.StringVar(&f.mirror, "mirror", "", mirrorUsage)
	fs.StringVar(&f.progress, "progress", "auto", "auto (a live board on a terminal, else plain), tty, or plain (prefixed lines; with GITLAB_CI set, a collapsible section per target)")
	if err := parseFlags(fs, args, 0); err != nil {
		return err
	}
	if f.jobs < 1 {
		return UsageError{fmt.Errorf("-j must be at least 1, got %d", f.jobs)}
	}
	if f.failFast && explicitlySet(fs, "keep-going") && f.keepGoing {
		return UsageError{errors.New("--fail-fast and --keep-going contradict each other; give one")}
	}
	view, err := progressView(f.progress, stdout)
	if err != nil {
		return err
	}
	defer view.Close() // again after the summary: a no-op
	mem, err := parseSize(f.memory)
	if err != nil {
		return UsageError{fmt.Errorf("--memory: %w", err)}
	}
	policy, err := pull.ParsePolicy(f.pull)
	if err != nil {
		return UsageError{err}
	}
	sc := sidecarImage(f.sidecarImage)
	m, jobs, err := loadJobsWith(f.file, f.distro, sc, f.mirror)
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
	results, err := run.Build(ctx, eng, jobs, run.Options{
		OutputDir: out, Jobs: f.jobs, FailFast: f.failFast || !f.keepGoing,
		NanoCPUs: int64(f.cpus * 1e9), Memory: mem, Run: id, Sidecar: sc, Stdout: stdout, Progress: view,
		Rebuild: f.rebuild, Incremental: f.incremental, CCache: !f.noCCache,
		Pull: policy, SidecarBases: sidecarBases(m),
	})
	view.Close()
	if err != nil {
		return buildError(ctx, err)
	}
	report.Summary(stdout, results)
	repErr := writeReports(out, report.NewReport(id.ID, Version, eng.Endpoint(), started, results), results)
	if ctx.Err() != nil {
		if repErr != nil {
			fmt.Fprintf(stderr, "dbuilder: %v\n", repErr)
		}
		return context.Canceled
	}
	var failed error
	if n := report.Failed(results); n > 0 {
		failed = FailedError{fmt.Sprintf("%d of %d target(s) failed", n, len(results))}
	}
	if repErr != nil {
		return reportFailure(repErr, failed)
	}
	if failed != nil {
		return failed
	}
	fmt.Fprintf(stdout, "\nall %d target(s) passed; artifacts in %s\n", len(results), out)
	return nil
}
