package report

import (
	"fmt"
	"time"

	"github.com/dbuilder/dbuilder/builder/matrix"
)

// TimeoutError is a target stopped by its time limit (the matrix's
// timeout, or --timeout), which covers its whole pipeline from the builder
// image to the collected artifacts; teardown runs after it, on its own
// bounded context.
type TimeoutError struct {
	Step  string // the step it was in
	After time.Duration
}

func (e TimeoutError) Error() string {
	return fmt.Sprintf("timed out in step %s after %s", e.Step, matrix.FormatTimeout(e.After))
}
