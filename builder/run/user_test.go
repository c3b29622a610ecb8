package run

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

// run.sh runs each step as the build user unless the matrix says root;
// the user takes the build root over before its first step only.
func TestRunScriptUsers(t *testing.T) {
	tests := []struct {
		u           users
		want, not   []string
		handovers   int
		usesSetpriv bool
	}{
		{users{}, []string{"handover\nmark step build", "\nasuser sh -e /build/dbuilder/build.sh", "\tasuser sh -e /build/dbuilder/test.sh"}, nil, 1, true},
		{users{buildRoot: true}, []string{"\nsh -e /build/dbuilder/build.sh", "\thandover && asuser sh -e /build/dbuilder/test.sh"}, []string{"handover\nmark"}, 1, true},
		{users{testRoot: true}, []string{"handover\nmark step build", "\nasuser sh -e /build/dbuilder/build.sh", "\tsh -e /build/dbuilder/test.sh"}, nil, 1, true},
		{users{true, true}, []string{"\nsh -e /build/dbuilder/build.sh", "\tsh -e /build/dbuilder/test.sh"}, []string{"asuser", "handover"}, 0, false},
	}
	for _, tt := range tests {
		s := string(runScript("N", tt.u))
		for _, w := range tt.want {
			if !strings.Contains(s, w) {
				t.Errorf("%s: run.sh lacks %q", tt.u, w)
			}
		}
		for _, w := range tt.not {
			if strings.Contains(s, w) {
				t.Errorf("%s: run.sh has %q", tt.u, w)
			}
		}
		if n := strings.Count(s, "handover\n") + strings.Count(s, "handover &&"); n != tt.handovers {
			t.Errorf("%s: %d handovers, want %d", tt.u, n, tt.handovers)
		}
		if strings.Contains(s, "setpriv --reuid=2000 --regid=2000 --clear-groups env HOME=/home/dbuilder USER=dbuilder LOGNAME=dbuilder") != tt.usesSetpriv {
			t.Errorf("%s: setpriv line:\n%s", tt.u, s)
		}
	}
	a, b := (users{}).String(), (users{buildRoot: true}).String()
	if a == b || a != "build=dbuilder(2000:2000) test=dbuilder(2000:2000)" {
		t.Errorf("users named %q and %q", a, b)
	}
}

// Every variant of run.sh is clean for shellcheck, as POSIX sh.
func TestRunScriptUsersShellcheck(t *testing.T) {
	shellcheck := testreq.Tool(t, "shellcheck", "shellcheck")
	dir := t.TempDir()
	var files []string
	for i, u := range []users{{}, {buildRoot: true}, {testRoot: true}, {true, true}} {
		p := filepath.Join(dir, "run"+string(rune('0'+i))+".sh")
		os.WriteFile(p, layout("/tmp/x").runScript("nonce", "0002", u), 0o644)
		files = append(files, p)
	}
	if out, err := exec.Command(shellcheck, append([]string{"-s", "sh"}, files...)...).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}
