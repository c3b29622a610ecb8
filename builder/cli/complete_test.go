package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/internal/testreq"
)

// TestCompleteRequest: cobra's completion protocol offers a command's
// flags and, for --distro, the targets and distros of the -f matrix.
func TestCompleteRequest(t *testing.T) {
	out, errOut, code := planInitRun(t, "__complete", "build", "--di")
	if code != 0 || !strings.Contains(out, "--distro") {
		t.Errorf("__complete build --di (exit %d) does not offer --distro:\n%s%s", code, out, errOut)
	}
	path := writeMatrix(t, planMatrix)
	out, errOut, code = planInitRun(t, "__complete", "plan", "-f", path, "--distro", "debian-book")
	want := "debian-bookworm-amd64\ndebian-bookworm-arm64\n:4\n"
	if code != 0 || !strings.HasPrefix(out, want) {
		t.Errorf("--distro completes (exit %d):\n%s%s\nwant first:\n%s", code, out, errOut, want)
	}
	out, _, _ = planInitRun(t, "__complete", "build", "-f", path, "--distro", "debian:")
	if !strings.HasPrefix(out, "debian:bookworm\ndebian:trixie\n") {
		t.Errorf("--distro does not complete distros:\n%s", out)
	}
}

// TestCompletionBash: the script `dbuilder completion bash` prints
// registers with bash, and bash completing `dbuilder build --di` asks the
// real binary and gets --distro.
func TestCompletionBash(t *testing.T) {
	bash := testreq.Tool(t, "bash", "bash")
	testreq.NotShort(t, "building the dbuilder binary")
	const helpers = "/usr/share/bash-completion/bash_completion"
	if _, err := os.Stat(helpers); err != nil {
		testreq.Need(t, helpers+" is missing (apt-get install bash-completion)")
	}
	bin := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(bin, "dbuilder"), "../../cmd/dbuilder")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	script := `source ` + helpers + `
source <(dbuilder completion bash)
complete -p dbuilder
COMP_WORDS=(dbuilder build --di); COMP_CWORD=2; COMP_LINE="dbuilder build --di"; COMP_POINT=${#COMP_LINE}
__start_dbuilder dbuilder --di dbuilder
printf 'reply:%s\n' "${COMPREPLY[@]}"`
	cmd := exec.Command(bash, "--norc", "-c", script)
	cmd.Env = append(os.Environ(), "PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	for _, want := range []string{"complete -o default -F __start_dbuilder dbuilder", "reply:--distro"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
