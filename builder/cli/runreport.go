package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/dbuilder/dbuilder/builder/run"
)

// buildError words an error run.Build returned: an interrupt, bad input
// found before anything was created (exit 2), or the error itself.
func buildError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return context.Canceled
	}
	if errors.As(err, new(run.InputError)) {
		return UsageError{err}
	}
	return err
}

// writeReport writes DIR/report.json; failing to is said, not fatal: the
// packages and the summary are there anyway.
func writeReport(out string, rep run.Report, stderr io.Writer) {
	if err := run.WriteReport(out, rep); err != nil {
		fmt.Fprintf(stderr, "dbuilder: writing %s: %v\n", run.ReportFile, err)
	}
}
