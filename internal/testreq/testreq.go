// Package testreq decides what a test does when something it needs is
// missing (a tool, a daemon, root, a run without -short): on a developer's
// machine it is skipped; in CI, where DBUILDER_REQUIRE_DOCKER is set, it
// fails and says what is missing, so no test passes there by skipping.
// Every test in the repository asks through it, distros' tests included
// (hence internal/ at the module root).
package testreq

import (
	"os"
	"os/exec"
	"testing"
)

// Env is the variable CI sets (scripts/test.sh sets it too).
const Env = "DBUILDER_REQUIRE_DOCKER"

// CI reports whether a missing requirement fails tests.
func CI() bool { return os.Getenv(Env) != "" }

// Need stops t because what is missing: a skip locally, a failure in CI.
func Need(t testing.TB, what string) {
	t.Helper()
	if CI() {
		t.Fatalf("%s is set (CI), so this test may not skip, but %s", Env, what)
	}
	t.Skipf("%s (with %s=1 this fails instead)", what, Env)
}

// Tool returns the path of program prog, or Needs it; pkg is the Debian
// package that has it (scripts/test.sh installs it for CI).
func Tool(t testing.TB, prog, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(prog)
	if err != nil {
		Need(t, prog+" is not installed (apt-get install "+pkg+")")
	}
	return p
}

// NotShort Needs a run without -short: what is a real test (daemon,
// package build) that -short leaves out. In CI -short cannot hide it.
func NotShort(t testing.TB, what string) {
	t.Helper()
	if testing.Short() {
		Need(t, "-short leaves out "+what)
	}
}

// Root Needs the test to run as root; why says what for.
func Root(t testing.TB, why string) {
	t.Helper()
	if os.Geteuid() != 0 {
		Need(t, "the test is not running as root, and "+why)
	}
}
