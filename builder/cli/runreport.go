package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/report"
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

// writeReports writes DIR/report.json and DIR/junit.xml. Failing to write
// either fails the run, even when every target passed or was cached: CI
// reads these files, and an earlier run's would pass for this one's.
func writeReports(out string, rep report.Report, results []report.Result) error {
	return errors.Join(report.WriteReport(out, rep), report.WriteJUnit(out, results))
}

// reportFailure is the run's error when its reports could not be written;
// failed is the error the run had anyway (nil when every target passed).
func reportFailure(err error, failed error) error {
	msg := strings.ReplaceAll(err.Error(), "\n", "\n  ")
	if failed != nil {
		return FailedError{fmt.Sprintf("%v; and the run's reports could not be written:\n  %s", failed, msg)}
	}
	return FailedError{"the run's reports could not be written, so the run fails:\n  " + msg}
}
