package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestDoctorNoDaemon: with the daemon unreachable, doctor fails (exit 1)
// and says how to fix it.
func TestDoctorNoDaemon(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "stopped.sock"))
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"doctor", "-f", "../../matrix.yaml"}, &out, &errb)
	if code := ExitCode(err, &errb); code != ExitFailed {
		t.Fatalf("exit %d, want %d\n%s", code, ExitFailed, out.String())
	}
	for _, want := range []string{"✗ engine", "cannot reach the Docker daemon", "fix: start the daemon: bash scripts/setup-engine.sh"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("doctor output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestDoctorReal: after setup, every check passes against the real daemon.
func TestDoctorReal(t *testing.T) {
	dockertest.Engine(t)
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"doctor", "-f", "../../matrix.yaml"}, &out, &errb)
	if code := ExitCode(err, &errb); code != ExitOK {
		t.Fatalf("doctor exit %d after setup:\n%s%s", code, out.String(), errb.String())
	}
	// free disk is left out: it depends on the machine, not on setup.
	// Setup for the tests makes arm64 images and turns emulation on.
	for _, check := range []string{"engine", "cgroups", "storage", "sidecar image", "privileges", "base images", "arch amd64     native", "arch arm64     emulated"} {
		if !strings.Contains(out.String(), "✓ "+check) {
			t.Errorf("check %q did not pass:\n%s", check, out.String())
		}
	}
}
