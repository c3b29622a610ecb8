package cli

import (
	"time"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// timeoutFlag is --timeout. Given, it replaces every selected target's
// timeout from the matrix (flag > override > top level > default); "none"
// or 0 lifts the limit.
type timeoutFlag struct {
	d   time.Duration
	set bool
}

var timeoutUsage = "per-target time limit (`DURATION`, e.g. 90m, 1h30m; none or 0 for no limit); default: each target's timeout: in the matrix, else " + matrix.FormatTimeout(matrix.DefaultTimeout)

func (f *timeoutFlag) String() string {
	if f == nil || !f.set {
		return ""
	}
	return matrix.FormatTimeout(f.d)
}

func (f *timeoutFlag) Set(s string) error {
	d, err := matrix.ParseTimeout(s)
	if err != nil {
		return err
	}
	f.d, f.set = d, true
	return nil
}

// apply gives every job the flag's limit, when the flag was given.
func (f *timeoutFlag) apply(jobs []plan.Job) {
	if !f.set {
		return
	}
	for i := range jobs {
		jobs[i].Target.Timeout = f.d
	}
}

func (f *timeoutFlag) Type() string { return "duration" }
