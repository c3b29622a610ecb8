package release

import (
	"os/exec"
	"testing"
)

// TestShellcheck checks the embedded repository script.
func TestShellcheck(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("shellcheck not installed (apt-get install shellcheck)")
	}
	if out, err := exec.Command("shellcheck", "-s", "sh", "scripts/repo.sh").CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
