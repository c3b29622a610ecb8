package release

import (
	"os/exec"
	"testing"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

// TestShellcheck checks the embedded repository script.
func TestShellcheck(t *testing.T) {
	shellcheck := testreq.Tool(t, "shellcheck", "shellcheck")
	if out, err := exec.Command(shellcheck, "-s", "sh", "scripts/repo.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
