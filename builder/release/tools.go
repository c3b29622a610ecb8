package release

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
	hash := recipeHash()
	if have, err := eng.Image(ctx, ref); err == nil && have.Labels[labels.Inputs] == hash {
		return "", nil
	}
	base := ""
	for _, b := range toolsBases {
		if _, err := eng.Image(ctx, b); err == nil {
			base = b
			break
		}
	}
	if base == "" {
		return "", fmt.Errorf("release tools image: no Debian base image (%v) is present to build %s from; run: bash scripts/setup.sh", toolsBases, ref)
	}
	lb := ident.Kept(version).Labels(labels.RoleReleaseTools, ident.Target{})
	lb[labels.Inputs] = hash
	err := eng.Build(ctx, engine.BuildRequest{
		Dockerfile: toolsRecipe, Tag: ref, Labels: lb,
		BuildArgs: map[string]string{"BASE": base}, Progress: progress,
	})
	if err != nil {
		return "", fmt.Errorf("release tools image: %w", err)
	}
	return fmt.Sprintf("built the release tools image %s from %s with Debian's lintian, rpmlint, createrepo-c, apt-ftparchive, rpmsign, gnupg and diffoscope (once per daemon and version)", ref, base), nil
}

func recipeHash() string {
	h := sha256.Sum256(toolsRecipe)
	return hex.EncodeToString(h[:])[:16]
}
