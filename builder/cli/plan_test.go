package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// planInitRun runs dbuilder with args and returns stdout, stderr and the
// exit code it would end with.
func planInitRun(t *testing.T, args ...string) (string, string, int) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := Run(context.Background(), args, &stdout, &stderr)
	code := ExitCode(err, &stderr)
	return stdout.String(), stderr.String(), code
}

// writeMatrix writes a matrix with a source dir next to it and returns its path.
func writeMatrix(t *testing.T, text string) string {
	t.Helper()
	dir := t.TempDir()
	// plan resolves jobs, which reads the package's metadata.
	if err := os.MkdirAll(filepath.Join(dir, "src", "debian"), 0o755); err != nil {
		t.Fatal(err)
	}
	control := "Source: hellodb\nBuild-Depends: debhelper-compat (= 13)\n\nPackage: hellodb\nArchitecture: any\n"
	if err := os.WriteFile(filepath.Join(dir, "src", "debian", "control"), []byte(control), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "matrix.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// Debian's releases are in the builtin registry whatever else is.
const planMatrix = `name: hellodb
version: 1.2.0
source: src
matrix:
  distro: [debian:bookworm, debian:trixie]
  arch: [amd64, arm64]
exclude:
  - {distro: debian:trixie, arch: arm64}
build:
  deps:
    deb: [libmariadb-dev]
test:
  docker: true
  preload: [mariadb:10.11]
  command: |
    make check
overrides:
  - match: {arch: arm64}
    test: {docker: false, preload: []}
    timeout: 3h  # emulated: slower
`

func TestPlanText(t *testing.T) {
	path := writeMatrix(t, planMatrix)
	out, errOut, code := planInitRun(t, "plan", "-f", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := `TARGET                 DISTRO           FAMILY  FORMAT  IMAGE            DOCKER  PACKAGE TESTS
debian-bookworm-amd64  debian:bookworm  debian  deb     debian:bookworm  yes     install
debian-bookworm-arm64  debian:bookworm  debian  deb     debian:bookworm  no      install
debian-trixie-amd64    debian:trixie    debian  deb     debian:trixie    yes     install
`
	if out != want {
		t.Errorf("got:\n%s\nwant:\n%s", out, want)
	}
}

func TestPlanJSON(t *testing.T) {
	path := writeMatrix(t, planMatrix)
	// Flags in any order, --file as a long form of -f.
	out, errOut, code := planInitRun(t, "plan", "--distro", "debian:bookworm", "--format", "json", "--file", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got []map[string]any
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	if len(got) != 2 {
		t.Fatalf("got %d targets:\n%s", len(got), out)
	}
	first := got[0]
	for k, want := range map[string]any{
		"name": "debian-bookworm-amd64", "distro": "debian:bookworm", "family": "debian", "format": "deb",
		"image": "debian:bookworm", "docker": true, "command": "make check\n", "timeout": "1h",
		"build_user": "dbuilder", "test_user": "dbuilder",
	} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v", k, first[k], want)
		}
	}
	if d, _ := json.Marshal(first["deps"]); string(d) != `["libmariadb-dev"]` {
		t.Errorf("deps = %s", d)
	}
	if d, _ := json.Marshal(first["axes"]); string(d) != `{"arch":"amd64","distro":"debian:bookworm"}` {
		t.Errorf("axes = %s", d)
	}
	if img, _ := first["builder_image"].(string); !strings.HasPrefix(img, "dbuilder/builder-debian-bookworm:") {
		t.Errorf("builder_image = %v", first["builder_image"])
	}
	if vol, _ := first["cache_volume"].(string); !strings.HasPrefix(vol, "dbuilder-cache-hellodb-debian-bookworm-amd64-") {
		t.Errorf("cache_volume = %v", first["cache_volume"])
	}
	// An emptied list is [], not null: scripts iterate it.
	if d, _ := json.Marshal(got[1]["preload"]); string(d) != `[]` {
		t.Errorf("preload = %s", d)
	}
	if got[1]["timeout"] != "3h" {
		t.Errorf("timeout of the arm64 target = %v, want its override's 3h", got[1]["timeout"])
	}
}

func TestPlanErrors(t *testing.T) {
	good := writeMatrix(t, planMatrix)
	bad := writeMatrix(t, "name: hellodb\nversion: 1.2.0\nsource: src\nmatrix:\n  distro: [debian:trixe]\nbuild:\n  dpes: {}\n")
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"no match", []string{"plan", "-f", good, "--distro", "debian:trixe"},
			[]string{`no target matches "debian:trixe"; did you mean debian:trixie?`, "debian-bookworm-amd64"}},
		{"bad format", []string{"plan", "-f", good, "--format", "yaml"}, []string{"--format must be text or json"}},
		{"missing file", []string{"plan", "-f", filepath.Join(t.TempDir(), "matrix.yaml")}, []string{"no matrix file", "dbuilder init"}},
		{"unknown flag", []string{"plan", "--bogus"}, []string{"unknown flag: --bogus"}},
		{"stray argument", []string{"plan", "-f", good, "extra"}, []string{`unexpected argument "extra"`}},
		{"every problem, one a line", []string{"plan", "-f", bad}, []string{
			bad + " has 2 problems:\n",
			"\n" + bad + `:5:12: matrix.distro[0]: unknown distro "debian:trixe"; did you mean debian:trixie?`,
			"\n" + bad + `:7:3: unknown key "dpes" in build (known: deps, root); did you mean deps?`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errOut, code := planInitRun(t, tt.args...)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			for _, w := range tt.want {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestPlanHelp(t *testing.T) {
	out, _, code := planInitRun(t, "plan", "-h")
	if code != 0 || !strings.Contains(out, "dbuilder plan [flags]") || !strings.Contains(out, "-f, --file FILE") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

// TestMirrorFlag: --mirror (or DBUILDER_MIRROR) sends the base images of
// plan, dockerfile and build through the prefix; the flag wins.
func TestMirrorFlag(t *testing.T) {
	path := writeMatrix(t, planMatrix)
	image := func(args ...string) string {
		t.Helper()
		out, errOut, code := planInitRun(t, append([]string{"plan", "-f", path, "--distro", "debian:bookworm", "--format", "json"}, args...)...)
		var got []map[string]any
		if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) == 0 {
			t.Fatalf("exit %d: %s%s", code, out, errOut)
		}
		return got[0]["image"].(string)
	}
	if got := image("--mirror", "reg.example.com/hub"); got != "reg.example.com/hub/library/debian:bookworm" {
		t.Errorf("--mirror: image %s", got)
	}
	t.Setenv("DBUILDER_MIRROR", "127.0.0.1:5000/")
	if got := image(); got != "127.0.0.1:5000/library/debian:bookworm" {
		t.Errorf("DBUILDER_MIRROR: image %s", got)
	}
	if got := image("--mirror", "reg.example.com/hub"); got != "reg.example.com/hub/library/debian:bookworm" {
		t.Errorf("the flag does not win over the environment: image %s", got)
	}
	df, errOut, code := planInitRun(t, "dockerfile", "-f", path, "--distro", "debian-bookworm-amd64")
	if code != 0 || !strings.Contains(df, "\nFROM 127.0.0.1:5000/library/debian:bookworm\n") {
		t.Errorf("dockerfile (exit %d) ignores DBUILDER_MIRROR:\n%s%s", code, df, errOut)
	}
}
