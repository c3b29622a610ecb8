package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A split pipeline is written with its parts, and the command its first
// job runs writes the very same files again.
func TestCIGitLabSplitRegenerates(t *testing.T) {
	matrix := "../../testdata/e2e/hellodb.yaml"
	dir := t.TempDir()
	out := filepath.Join(dir, "ci", "pipeline.yml")
	var stdout, stderr bytes.Buffer
	args := []string{"ci", "gitlab", "-f", matrix, "--runner", "socket", "--max-jobs", "3", "-o", out}
	if err := Run(context.Background(), args, &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	first := map[string][]byte{}
	for _, name := range []string{"pipeline.yml", "pipeline-1.yml", "pipeline-2.yml"} {
		b, err := os.ReadFile(filepath.Join(dir, "ci", name))
		if err != nil {
			t.Fatal(err)
		}
		first[name] = b
	}
	// The fan-out job's script line, run again as it would be in CI.
	var script string
	for _, l := range strings.Split(string(first["pipeline.yml"]), "\n") {
		if s, ok := strings.CutPrefix(strings.TrimSpace(l), "- dbuilder ci gitlab "); ok {
			script = s
		}
	}
	again := strings.Fields(script)
	if len(again) == 0 || again[len(again)-1] != out {
		t.Fatalf("regenerate command %q", script)
	}
	os.RemoveAll(filepath.Join(dir, "ci"))
	if err := Run(context.Background(), append([]string{"ci", "gitlab"}, again...), &stdout, &stderr); err != nil {
		t.Fatal(err, stderr.String())
	}
	for name, want := range first {
		got, err := os.ReadFile(filepath.Join(dir, "ci", name))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s written again differs (%v)", name, err)
		}
	}
}

// The command a split pipeline's first job runs keeps the service options.
func TestCIGitLabRegenerateKeepsServiceOptions(t *testing.T) {
	f := ciFlags{file: "m.yaml", runner: "dind", image: "i", output: "dist", maxJobs: 3, mtu: 1360, registryMirror: "https://mirror.example.org"}
	got := strings.Join(regenerate(f), " ")
	if !strings.Contains(got, "--mtu 1360") || !strings.Contains(got, "--registry-mirror https://mirror.example.org") {
		t.Errorf("regenerate: %s", got)
	}
}
