package distros

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

// eperm_run says why a build failed only when it failed, not as root, with
// "Operation not permitted"; it keeps the command's output and status.
func TestEpermRun(t *testing.T) {
	testreq.Root(t, "runs the script as another user with setpriv")
	setpriv := testreq.Tool(t, "setpriv", "util-linux")
	lib, err := Script("eperm.sh")
	if err != nil {
		t.Fatal(err)
	}
	// Not t.TempDir: its parent is private to root.
	dir, err := os.MkdirTemp("", "eperm")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.Chmod(dir, 0o1777)
	if err := os.WriteFile(filepath.Join(dir, "eperm.sh"), lib, 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, cmd, out string
		nobody         bool
		code           int
		hint           bool
	}{
		{"eperm as a user", `echo "chown: x: Operation not permitted" >&2; exit 3`, "chown: x", true, 3, true},
		{"eperm as root", `echo "chown: x: Operation not permitted"; exit 3`, "chown: x", false, 3, false},
		{"another failure as a user", `echo "error: no such file"; exit 2`, "error: no such", true, 2, false},
		{"success as a user", `echo "Operation not permitted, but it coped"`, "it coped", true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			script := `. ` + dir + `/eperm.sh; hint() { echo "HINT for $(id -u)"; }; eperm_run hint sh -c '` + tt.cmd + `'`
			args := []string{"sh", "-c", script}
			if tt.nobody {
				args = append([]string{setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"}, args...)
			}
			cmd := exec.Command(args[0], args[1:]...)
			cmd.Env = append(os.Environ(), "TMPDIR="+dir)
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != tt.code {
				t.Errorf("exit %d, want %d:\n%s", code, tt.code, out)
			}
			if got := strings.Contains(string(out), "HINT for 65534"); got != tt.hint {
				t.Errorf("hint shown: %v, want %v:\n%s", got, tt.hint, out)
			}
			if !strings.Contains(string(out), tt.out) {
				t.Errorf("the command's output is not passed through:\n%s", out)
			}
		})
	}
}
