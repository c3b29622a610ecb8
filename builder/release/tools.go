package release

import (
	"context"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"fmt"
	"io"

	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/toolimage"
)

//go:embed recipe/Dockerfile
var toolsRecipe []byte

// toolsBases are the Debian images the tools image may be built from, in
// order of preference (bookworm's lintian and createrepo-c are what the
// recipe names).
var toolsBases = []string{"debian:bookworm", "debian:trixie"}

// EnsureTools builds the release tools image from its embedded recipe when
// it is missing or the recipe changed (the image carries the recipe's hash
// in a label), once per daemon and version, like the sidecar image. The
// note says what was done ("" when nothing was).
func EnsureTools(ctx context.Context, eng imageBuilder, version string, progress io.Writer) (string, error) {
	ref := ident.ReleaseToolsImage(version)
	base, err := toolimage.Ensure(ctx, eng, toolimage.Spec{
		What: "release tools image", Ref: ref, Hash: recipeHash(), Role: labels.RoleReleaseTools,
		Version: version, Bases: toolsBases, Dockerfile: toolsRecipe, Progress: progress,
	})
	if base == "" || err != nil {
		return "", err
	}
	return fmt.Sprintf("built the release tools image %s from %s with Debian's lintian, rpmlint, createrepo-c, apt-ftparchive, rpmsign, gnupg and diffoscope (once per daemon and version)", ref, base), nil
}

func recipeHash() string {
	h := sha256.Sum256(toolsRecipe)
	return hex.EncodeToString(h[:])[:16]
}
