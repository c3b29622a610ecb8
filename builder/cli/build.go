package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/dbuilder/dbuilder/builder/report"
	"github.com/dbuilder/dbuilder/builder/run"
)

type buildFlags struct {
	runFlags
	failFast, keepGoing bool
	cpus                float64
	memory              string
	incremental         bool
	noCCache            bool
	progress            string
	imagesOnly          bool
}

func newBuildCmd(stdout, stderr io.Writer) *cobra.Command {
	var f buildFlags
	c := &cobra.Command{
		Use:   "build [flags]",
		Short: "build and test the selected targets",
		Example: `  dbuilder build
  dbuilder build --distro fedora
  dbuilder build --distro debian:trixie -j 1
  dbuilder build --images-only --cache-registry registry.example.com/group/project/dbuilder-cache`,
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error { return runBuild(c.Context(), c, &f, stdout, stderr) },
	}
	fs := c.Flags()
	f.add(c, "build", "where `DIR`/<target>/ artifacts and logs go")
	fs.BoolVar(&f.failFast, "fail-fast", false, "stop the other targets at the first failure")
	fs.BoolVar(&f.keepGoing, "keep-going", true, "build every target even if some fail (--keep-going=false is --fail-fast)")
	fs.Float64Var(&f.cpus, "cpus", 0, "CPU limit per container (e.g. 1.5); 0 means none")
	fs.StringVar(&f.memory, "memory", "", "memory limit per container (e.g. 2g); empty means none")
	fs.BoolVar(&f.incremental, "incremental", false, "keep each target's built tree and skip the clean step (edit-build-test loop; not for releases)")
	fs.BoolVar(&f.noCCache, "no-ccache", false, "do not use the per-target compiler cache")
	fs.BoolVar(&f.imagesOnly, "images-only", false, "only make the builder images, each once, and push them to the cache registry (a pipeline's first stage)")
	fs.StringVar(&f.progress, "progress", "auto", "auto (a live board on a terminal, else plain), tty, or plain (prefixed lines; with GITLAB_CI set, a collapsible section per target)")
	return c
}

func runBuild(ctx context.Context, c *cobra.Command, f *buildFlags, stdout, stderr io.Writer) error {
	if f.failFast && c.Flags().Changed("keep-going") && f.keepGoing {
		return UsageError{errors.New("--fail-fast and --keep-going contradict each other; give one")}
	}
	if f.imagesOnly {
		if err := checkImagesOnly(c.Flags()); err != nil {
			return err
		}
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
	s, opt, err := f.start(ctx, c.Flags(), stdout, stderr)
	if err != nil {
		return err
	}
	defer s.Close()
	opt.FailFast = f.failFast || !f.keepGoing
	if f.imagesOnly {
		opt.Progress = view
		return runImages(ctx, s, opt, view, stdout)
	}
	opt.NanoCPUs, opt.Memory, opt.Progress = int64(f.cpus*1e9), mem, view
	opt.Incremental, opt.CCache = f.incremental, !f.noCCache

	started := time.Now()
	results, err := run.Build(ctx, s.Engine, s.Jobs, opt)
	view.Close()
	if err != nil {
		return buildError(ctx, err)
	}
	report.Summary(stdout, results)
	repErr := writeReports(opt.OutputDir, report.NewReport(s.Run.ID, Version, s.Engine.Endpoint(), started, results), results)
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
	fmt.Fprintf(stdout, "\nall %d target(s) passed; artifacts in %s\n", len(results), opt.OutputDir)
	return nil
}
