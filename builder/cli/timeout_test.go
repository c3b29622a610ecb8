package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// TestTimeoutFlag: --timeout, when given, wins over every target's matrix
// timeout; left out, the matrix's stand.
func TestTimeoutFlag(t *testing.T) {
	jobsWith := func() []plan.Job {
		return []plan.Job{{Target: matrix.Target{Timeout: time.Hour}}, {Target: matrix.Target{Timeout: 0}}}
	}
	for _, tc := range []struct {
		args []string
		want []time.Duration
	}{
		{nil, []time.Duration{time.Hour, 0}},
		{[]string{"--timeout", "20s"}, []time.Duration{20 * time.Second, 20 * time.Second}},
		{[]string{"--timeout", "none"}, []time.Duration{0, 0}},
		{[]string{"--timeout", "0"}, []time.Duration{0, 0}},
	} {
		var f timeoutFlag
		fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
		addTimeout(fs, &f)
		if err := fs.Parse(tc.args); err != nil {
			t.Fatal(err)
		}
		jobs := jobsWith()
		f.apply(jobs)
		if got := []time.Duration{jobs[0].Target.Timeout, jobs[1].Target.Timeout}; got[0] != tc.want[0] || got[1] != tc.want[1] {
			t.Errorf("%v: timeouts %v, want %v", tc.args, got, tc.want)
		}
	}
	var f timeoutFlag
	fs := pflag.NewFlagSet("build", pflag.ContinueOnError)
	fs.SetOutput(&strings.Builder{})
	addTimeout(fs, &f)
	if err := fs.Parse([]string{"--timeout", "90"}); err == nil || !strings.Contains(err.Error(), "has no unit") {
		t.Errorf("--timeout 90: %v, want a missing unit error", err)
	}
}
