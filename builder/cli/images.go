package cli

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/dbuilder/dbuilder/builder/progress"
	"github.com/dbuilder/dbuilder/builder/run"
	"github.com/dbuilder/dbuilder/builder/session"
)

// build --images-only: only the selected targets' builder images, each
// once, shared through the cache registry. It is a flag of build rather
// than a command of its own because it is the first step of build: the
// same matrix, selection, pulls, sidecar image (whose docker CLI builder
// images copy) and cache registry, so a pipeline's image stage and its
// target jobs name one command and resolve the same images.

// notForImages are build's flags about packages, which --images-only
// does not build.
var notForImages = []string{"incremental", "rebuild", "no-ccache", "cpus", "memory"}

func checkImagesOnly(fs *pflag.FlagSet) error {
	for _, name := range notForImages {
		if fs.Changed(name) {
			return UsageError{fmt.Errorf("--images-only builds no package: --%s does not apply", name)}
		}
	}
	return nil
}

// runImages makes the builder images and says, one line each, where each
// came from and where it is kept.
func runImages(ctx context.Context, s *session.Session, opt run.Options, view progress.View, stdout io.Writer) error {
	results, err := run.Images(ctx, s.Engine, s.Jobs, opt)
	view.Close()
	if err != nil {
		return buildError(ctx, err)
	}
	if ctx.Err() != nil {
		return context.Canceled
	}
	fmt.Fprintln(stdout)
	failed := 0
	for _, r := range results {
		what := r.From
		switch {
		case r.Err != nil:
			failed++
			what = "FAILED: " + r.Err.Error()
		case r.Cached != "":
			what += ", in the cache registry as " + r.Cached
		case opt.Cache != "":
			what += ", not in the cache registry (see above)"
		}
		fmt.Fprintf(stdout, "%s  %s  %s (%s; for %s)\n", r.Image, progress.Elapsed(r.Duration), what, r.Name, strings.Join(r.Targets, ", "))
	}
	if failed > 0 {
		return FailedError{fmt.Sprintf("%d of %d builder image(s) failed", failed, len(results))}
	}
	where := "on the daemon only (no cache registry)"
	if opt.Cache != "" {
		where = "cache registry " + opt.Cache
	}
	fmt.Fprintf(stdout, "\nall %d builder image(s) ready; %s\n", len(results), where)
	return nil
}
