package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
)

// useEngine makes every command of this test talk to eng instead of the
// daemon the environment names.
func useEngine(t *testing.T, eng engine.Engine) {
	t.Helper()
	old := dial
	dial = func(context.Context, io.Writer, bool) (engine.Engine, error) { return eng, nil }
	t.Cleanup(func() { dial = old })
}

const archMatrix = `name: hellodb
version: 1.2.0
source: src
matrix:
  distro: [debian:bookworm]
  arch: [amd64, arm64]
`

// TestArchOfTheDaemon: against an arm64 daemon (from an amd64 machine),
// arm64 targets are native and amd64 ones foreign, in doctor, plan and
// dockerfile alike; --platform says the same without a daemon.
func TestArchOfTheDaemon(t *testing.T) {
	path := writeMatrix(t, archMatrix)
	arm := enginefake.New("arm")
	arm.SetArch("aarch64")
	run := func(t *testing.T, args ...string) string {
		t.Helper()
		var out, errb bytes.Buffer
		err := Run(context.Background(), args, &out, &errb)
		if code := ExitCode(err, &errb); code != ExitOK && code != ExitFailed {
			t.Fatalf("%v: exit %d\n%s%s", args, code, out.String(), errb.String())
		}
		return out.String()
	}
	// image is each target's base image in plan's JSON.
	images := func(t *testing.T, out string) map[string]string {
		t.Helper()
		var got []map[string]any
		if err := json.Unmarshal([]byte(out), &got); err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		m := map[string]string{}
		for _, g := range got {
			m[g["name"].(string)] = g["image"].(string)
			if foreign, _ := g["foreign"].(bool); foreign != (g["arch"] == "amd64") {
				t.Errorf("%s: arch %v, foreign %v", g["name"], g["arch"], g["foreign"])
			}
		}
		return m
	}
	wantImages := map[string]string{"debian-bookworm-amd64": "amd64/debian:bookworm", "debian-bookworm-arm64": "debian:bookworm"}

	t.Run("doctor", func(t *testing.T) {
		useEngine(t, arm)
		out := run(t, "doctor", "-f", path)
		if !strings.Contains(out, "✓ arch arm64     native") {
			t.Errorf("arm64 is not native:\n%s", out)
		}
		if strings.Count(out, "arch arm64") != 1 {
			t.Errorf("arm64 is also judged foreign:\n%s", out)
		}
		if !strings.Contains(out, "arch amd64") || strings.Contains(out, "arch amd64     native") {
			t.Errorf("amd64 is not judged foreign:\n%s", out)
		}
	})
	t.Run("plan", func(t *testing.T) {
		useEngine(t, arm)
		got := images(t, run(t, "plan", "-f", path, "--format", "json"))
		for name, want := range wantImages {
			if got[name] != want {
				t.Errorf("%s: base image %q, want %q", name, got[name], want)
			}
		}
	})
	t.Run("dockerfile", func(t *testing.T) {
		useEngine(t, arm)
		df := run(t, "dockerfile", "-f", path, "--distro", "debian-bookworm-arm64")
		if !strings.Contains(df, "\nFROM debian:bookworm\n") {
			t.Errorf("the arm64 target does not build FROM the native image:\n%s", df)
		}
	})
	t.Run("--platform", func(t *testing.T) {
		t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
		got := images(t, run(t, "plan", "-f", path, "--format", "json", "--platform", "arm64"))
		for name, want := range wantImages {
			if got[name] != want {
				t.Errorf("%s: base image %q, want %q", name, got[name], want)
			}
		}
		df := run(t, "dockerfile", "-f", path, "--distro", "debian-bookworm-arm64", "--platform", "arm64")
		if !strings.Contains(df, "\nFROM debian:bookworm\n") {
			t.Errorf("the arm64 target does not build FROM the native image:\n%s", df)
		}
	})
}

// TestPlatformNote: with no daemon to ask and no --platform, plan says
// which architecture it planned for, but only when the matrix has an arch
// axis (elsewhere it changes nothing).
func TestPlatformNote(t *testing.T) {
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "none.sock"))
	_, errOut, code := planInitRun(t, "plan", "-f", writeMatrix(t, archMatrix))
	if code != 0 || !strings.Contains(errOut, "no Docker daemon answered, so targets are shown as on a") {
		t.Errorf("exit %d, no note:\n%s", code, errOut)
	}
	_, errOut, code = planInitRun(t, "plan", "-f", writeMatrix(t, "name: hellodb\nversion: 1.2.0\nsource: src\nmatrix:\n  distro: [debian:bookworm]\n"))
	if code != 0 || errOut != "" {
		t.Errorf("exit %d, stderr without an arch axis:\n%s", code, errOut)
	}
}
