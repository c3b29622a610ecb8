package pkgtest

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/toolimage"
)

var (
	//go:embed recipe/Dockerfile
	runnerRecipe []byte
	//go:embed recipe/autopkgtest-virt-dbuilder
	virtScript []byte
	//go:embed recipe/run-autopkgtest.sh
	runScript []byte
)

// RunScript is the runner's entry point, in the image's PATH.
const RunScript = "run-autopkgtest.sh"

// RunnerBases are the Debian images the runner may be built from, in order
// of preference: bookworm's autopkgtest (5.28) is the one checked here. It
// runs any Debian-family testbed: apt runs in the testbed, not here.
var RunnerBases = []string{"debian:bookworm", "debian:trixie"}

// Engine is what the runner image needs of the host daemon.
type Engine interface {
	Build(ctx context.Context, req engine.BuildRequest) error
	Image(ctx context.Context, ref string) (engine.Image, error)
}

// CLI is where the runner copies the docker CLI from: the sidecar image
// and the CLI's directory in it.
type CLI struct{ Image, Path string }

// EnsureRunner builds the runner image from its embedded recipe when it is
// missing or the recipe (or the CLI's image) changed, once per daemon and
// version. It returns the image and a note of what was done ("" when
// nothing was).
func EnsureRunner(ctx context.Context, eng Engine, version string, cli CLI, progress io.Writer) (ref, note string, err error) {
	ref = ident.TestRunnerImage(version)
	cliImg, err := eng.Image(ctx, cli.Image)
	if err != nil {
		return "", "", fmt.Errorf("autopkgtest runner image: the docker CLI's image %s: %w", cli.Image, err)
	}
	base, err := toolimage.Ensure(ctx, eng, toolimage.Spec{
		What: "autopkgtest runner image", Ref: ref, Hash: runnerHash(cliImg.ID, cli.Path), Role: labels.RoleTestRunner,
		Version: version, Bases: RunnerBases, Dockerfile: runnerRecipe, Progress: progress,
		Files: map[string][]byte{"autopkgtest-virt-dbuilder": virtScript, RunScript: runScript},
		Args:  map[string]string{"CLI_IMAGE": cli.Image, "CLI_PATH": cli.Path},
	})
	if base == "" || err != nil {
		return ref, "", err
	}
	return ref, fmt.Sprintf("built the autopkgtest runner image %s from %s with Debian's autopkgtest and autodep8 (once per daemon and version)", ref, base), nil
}

func runnerHash(cliID, cliPath string) string {
	h := sha256.New()
	for _, b := range [][]byte{runnerRecipe, virtScript, runScript, []byte(cliID), []byte(cliPath)} {
		fmt.Fprintf(h, "%d\x00", len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}
