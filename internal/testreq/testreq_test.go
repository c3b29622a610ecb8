package testreq

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestHelperCase is what the child process of TestNeed runs; it does
// nothing unless TESTREQ_CASE names a case.
func TestHelperCase(t *testing.T) {
	switch os.Getenv("TESTREQ_CASE") {
	case "tool":
		Tool(t, "dbuilder-no-such-tool", "no-such-package")
		t.Log("REACHED")
	case "short":
		NotShort(t, "a real-daemon test")
		t.Log("REACHED")
	case "root":
		if os.Geteuid() == 0 {
			t.Log("REACHED")
			return
		}
		Root(t, "it switches something only root may")
		t.Log("REACHED")
	}
}

// TestNeed runs a test that misses something, locally and as in CI: it
// skips locally and fails in CI, naming what is missing; either way the
// test body stops there.
func TestNeed(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(c string, ci bool, args ...string) (string, error) {
		cmd := exec.Command(self, append([]string{"-test.run=^TestHelperCase$", "-test.v"}, args...)...)
		env := []string{"TESTREQ_CASE=" + c}
		for _, e := range os.Environ() {
			if !strings.HasPrefix(e, Env+"=") {
				env = append(env, e)
			}
		}
		if ci {
			env = append(env, Env+"=1")
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
	for _, c := range []struct {
		name string
		args []string
		want string
	}{
		{"tool", nil, "dbuilder-no-such-tool is not installed (apt-get install no-such-package)"},
		{"short", []string{"-test.short"}, "-short leaves out a real-daemon test"},
	} {
		out, err := run(c.name, false, c.args...)
		if err != nil || !strings.Contains(out, "--- SKIP") || !strings.Contains(out, c.want) || strings.Contains(out, "REACHED") {
			t.Errorf("%s, locally: want a skip naming %q: %v\n%s", c.name, c.want, err, out)
		}
		out, err = run(c.name, true, c.args...)
		if err == nil || !strings.Contains(out, "--- FAIL") || !strings.Contains(out, Env+" is set (CI)") || !strings.Contains(out, c.want) || strings.Contains(out, "REACHED") {
			t.Errorf("%s, in CI: want a failure naming %q: %v\n%s", c.name, c.want, err, out)
		}
	}
	// Run as root, the root case goes on; otherwise it is the same as the others.
	out, err := run("root", true)
	if os.Geteuid() == 0 && (err != nil || !strings.Contains(out, "REACHED")) {
		t.Errorf("root, as root: %v\n%s", err, out)
	}
	if os.Geteuid() != 0 && (err == nil || !strings.Contains(out, "not running as root")) {
		t.Errorf("root, not root, in CI: %v\n%s", err, out)
	}
}
