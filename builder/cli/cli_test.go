package cli

import (
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// matrixCommands are the commands that read a matrix.
var matrixCommands = []string{"build", "release", "doctor", "plan", "dockerfile", "ci gitlab", "cache prune"}

// TestSameFlags: every command that reads a matrix has -f/--file, and the
// shared flags mean the same everywhere they appear.
func TestSameFlags(t *testing.T) {
	root := Command(io.Discard, io.Discard)
	usage := map[string]string{}
	for _, path := range matrixCommands {
		c, _, err := root.Find(strings.Fields(path))
		if err != nil || c.Name() != strings.Fields(path)[len(strings.Fields(path))-1] {
			t.Fatalf("%s: %v", path, err)
		}
		f := c.Flags().Lookup("file")
		if f == nil || f.Shorthand != "f" || f.DefValue != "matrix.yaml" {
			t.Errorf("%s: no -f/--file (default matrix.yaml): %+v", path, f)
		}
		if c.Flags().Lookup("distro") == nil {
			t.Errorf("%s: no --distro", path)
		}
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		for _, name := range []string{"sidecar-image", "pull", "mirror", "platform", "timeout"} {
			if f := c.Flags().Lookup(name); f != nil {
				if u, ok := usage[name]; ok && u != f.Usage {
					t.Errorf("%s --%s says %q, elsewhere %q", c.CommandPath(), name, f.Usage, u)
				}
				usage[name] = f.Usage
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
}

// TestHelpExitsZero: -h, --help and help COMMAND print help and exit 0.
func TestHelpExitsZero(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help", "build"}, {"build", "-h"}, {"ci", "gitlab", "--help"}, {"cache", "prune", "-h"}, {"init", "-h"}} {
		out, errOut, code := planInitRun(t, args...)
		if code != ExitOK || !strings.Contains(out, "Usage:") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errOut)
		}
	}
	out, _, code := planInitRun(t, "--version")
	if code != ExitOK || out != "dbuilder "+Version+"\n" {
		t.Errorf("--version: exit %d, %q", code, out)
	}
	out, _, code = planInitRun(t, "version")
	if code != ExitOK || out != "dbuilder "+Version+"\n" {
		t.Errorf("version: exit %d, %q", code, out)
	}
}

// TestSingleDashLongFlags: scripts written for the Go flag package's
// -distro and -keep-going=false keep working.
func TestSingleDashLongFlags(t *testing.T) {
	path := writeMatrix(t, planMatrix)
	out, errOut, code := planInitRun(t, "plan", "-file", path, "-distro", "debian:trixie", "-format=json", "-platform", "amd64")
	var got []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || len(got) != 1 || got[0]["name"] != "debian-trixie-amd64" {
		t.Fatalf("exit %d:\n%s%s", code, out, errOut)
	}
	root := Command(io.Discard, io.Discard)
	in := []string{"build", "-keep-going=false", "-j", "2", "-f", "m.yaml", "--", "-distro"}
	want := []string{"build", "--keep-going=false", "-j", "2", "-f", "m.yaml", "--", "-distro"}
	if got := longDashes(root, in); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("longDashes(%q) = %q, want %q", in, got, want)
	}
}
