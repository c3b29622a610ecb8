package release

import (
	"fmt"

	"github.com/dbuilder/dbuilder/builder/report"
)

// checkRecorded refuses a target whose files differ from what its build
// recorded (the sums taken as the build published them, or re-checked
// when its result was reused): release verifies, signs and publishes only
// what was built and tested. Every package must be in the record.
func checkRecorded(b report.Result, pkgs []string) error {
	if b.Record == nil {
		return fmt.Errorf("the build of %s recorded no checksums (%s): its packages cannot be trusted", b.Target, report.ResultFile)
	}
	if err := b.Record.Check(b.Dir); err != nil {
		return fmt.Errorf("refused: in %s, %w", b.Dir, err)
	}
	recorded := map[string]bool{}
	for _, a := range b.Record.Artifacts {
		recorded[a.Name] = true
	}
	for _, p := range pkgs {
		if !recorded[p] {
			return fmt.Errorf("refused: %s in %s is not in the build's %s", p, b.Dir, report.ResultFile)
		}
	}
	return nil
}
