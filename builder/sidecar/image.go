// Package sidecar runs a target's own Docker daemon (Docker-in-Docker) next
// to its build container, with the daemon's data root on a cache volume that
// is kept between runs.
package sidecar

import (
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

//go:embed recipe/Dockerfile recipe/entrypoint.sh
var recipe embed.FS

// Official is the upstream dind image. dbuilder uses it when asked to
// (--sidecar-image docker:dind), for instance in GitLab jobs that can pull.
const Official = "docker:dind"

// Image is the sidecar image a run uses.
type Image struct {
	Ref     string
	CLIPath string // where the docker CLI lives in it (copied into builder images)
	// Official marks docker:dind and images like it, whose entrypoint
	// (dockerd-entrypoint.sh) prepares cgroups before running dockerd.
	Official bool
}

// OwnCLIPath is the directory in dbuilder's own sidecar image that holds the
// docker CLI bundled with its loader and C library (see recipe/Dockerfile).
const OwnCLIPath = "/opt/dbuilder-cli"

// OwnRef is the tag of dbuilder's own sidecar image for version.
// The tag carries a hash of the embedded recipe too: two builds of dbuilder
// with the same version but another recipe (development builds) would
// otherwise rebuild the image over each other on a shared daemon.
func OwnRef(version string) string {
	if _, hash, err := recipeFiles(); err == nil {
		return ident.SidecarImage(version, hash[:8])
	}
	return ident.SidecarImage(version, "")
}

// ImageFor says which sidecar image a run uses, without asking a daemon, so
// that every command renders the same Dockerfile: ref "" (the default) is
// dbuilder's own image, built locally from an embedded recipe; any other
// ref is taken to be docker:dind or an image like it.
func ImageFor(ref, version string) Image {
	if ref == "" || ref == OwnRef(version) {
		return Image{Ref: OwnRef(version), CLIPath: OwnCLIPath}
	}
	return Image{Ref: ref, CLIPath: "/usr/local/bin/docker", Official: true}
}

// EnsureOptions tune Ensure.
type EnsureOptions struct {
	Version  string    // dbuilder's version: the tag of the image it builds
	Bases    []string  // Debian bases to build its own image from, in order of preference
	Progress io.Writer // build progress
}

// Ensure makes sure img is on eng: dbuilder's own image is built when it is
// missing or its recipe changed; any other image must be there already
// (the run pulls it first, see Wants). The note says what was done, for
// the user ("" when nothing was).
func Ensure(ctx context.Context, eng Engine, img Image, opt EnsureOptions) (string, error) {
	if img.Ref != OwnRef(opt.Version) {
		if _, err := eng.Image(ctx, img.Ref); err != nil {
			return "", fmt.Errorf("sidecar image %s: %w (pull it, or leave --sidecar-image out to use dbuilder's own, built locally)", img.Ref, err)
		}
		return "", nil
	}
	files, hash, err := recipeFiles()
	if err != nil {
		return "", err
	}
	if have, err := eng.Image(ctx, img.Ref); err == nil && have.Labels[labels.Inputs] == hash {
		return "", nil
	}
	bases := opt.bases()
	base := firstPresent(ctx, eng, bases)
	if base == "" {
		return "", fmt.Errorf("sidecar image: no Debian base image (%v) is present to build %s from; run: bash scripts/setup.sh (or pass --sidecar-image %s where it can be pulled)", bases, img.Ref, Official)
	}
	df, _ := recipe.ReadFile("recipe/Dockerfile")
	lb := ident.Kept(opt.Version).Labels(labels.RoleSidecarImage, ident.Target{})
	lb[labels.Inputs] = hash
	err = eng.Build(ctx, engine.BuildRequest{
		Dockerfile: df, Files: files, Tag: img.Ref, Labels: lb,
		BuildArgs: map[string]string{"BASE": base}, Progress: opt.Progress,
	})
	if err != nil {
		return "", fmt.Errorf("sidecar image: %w", err)
	}
	return fmt.Sprintf("built the sidecar image %s from %s with Debian's docker.io (once per daemon and version)", img.Ref, base), nil
}

// DefaultBases are the Debian images dbuilder's own sidecar image is built
// from, in order of preference, when EnsureOptions.Bases is empty.
var DefaultBases = []string{"debian:bookworm", "debian:trixie"}

func (o EnsureOptions) bases() []string {
	if len(o.Bases) == 0 {
		return DefaultBases
	}
	return o.Bases
}

// Wants returns the images Ensure needs that it does not build: the
// image itself when it is not dbuilder's own; for dbuilder's own, when it
// must be built, the Debian base it would be built from (the first present,
// else the first of the bases). The run pulls them first.
func Wants(ctx context.Context, eng Engine, img Image, opt EnsureOptions) []string {
	if img.Ref != OwnRef(opt.Version) {
		return []string{img.Ref}
	}
	_, hash, err := recipeFiles()
	if have, ierr := eng.Image(ctx, img.Ref); err != nil || ierr == nil && have.Labels[labels.Inputs] == hash {
		return nil
	}
	if base := firstPresent(ctx, eng, opt.bases()); base != "" {
		return []string{base}
	}
	return opt.bases()[:1]
}

func firstPresent(ctx context.Context, eng Engine, refs []string) string {
	for _, r := range refs {
		if _, err := eng.Image(ctx, r); err == nil {
			return r
		}
	}
	return ""
}

// recipeFiles returns the build context and a hash of the whole recipe.
func recipeFiles() (map[string][]byte, string, error) {
	h := sha256.New()
	files := map[string][]byte{}
	for _, name := range []string{"Dockerfile", "entrypoint.sh"} {
		b, err := recipe.ReadFile("recipe/" + name)
		if err != nil {
			return nil, "", errors.New("sidecar recipe missing " + name)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
		if name != "Dockerfile" {
			files[name] = b
		}
	}
	return files, hex.EncodeToString(h.Sum(nil))[:16], nil
}
