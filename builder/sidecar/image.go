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
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
)

//go:embed recipe/Dockerfile recipe/entrypoint.sh
var recipe embed.FS

// Official is the upstream image used when it is present or can be pulled.
const Official = "docker:dind"

// Image is the sidecar image a run uses.
type Image struct {
	Ref      string
	CLIPath  string // where the docker CLI lives in it (copied into builder images)
	Official bool
	Built    bool   // dbuilder built it in this call
	Note     string // what happened, for the user, said once
}

// ImageOptions tune EnsureImage.
type ImageOptions struct {
	Version  string    // dbuilder's version: the tag of the image it builds
	NoPull   bool      // skip trying the official image
	Bases    []string  // Debian bases to try, in order
	Progress io.Writer // build progress
}

// OwnCLIPath is the directory in dbuilder's own sidecar image that holds the
// docker CLI bundled with its loader and C library (see recipe/Dockerfile).
const OwnCLIPath = "/opt/dbuilder-cli"

// OwnRef is the tag of dbuilder's own sidecar image for version.
func OwnRef(version string) string { return "dbuilder/dind:" + version }

// EnsureImage finds or makes the sidecar image: the official docker:dind if
// it is present or can be pulled, else dbuilder's own, built from the
// embedded recipe on a local Debian base (rebuilt when the recipe changes).
func EnsureImage(ctx context.Context, eng engine.Engine, opt ImageOptions) (Image, error) {
	if !opt.NoPull {
		if _, err := eng.ImageID(ctx, Official); err == nil {
			return Image{Ref: Official, CLIPath: "/usr/local/bin/docker", Official: true}, nil
		}
		pctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		err := eng.ImagePull(pctx, Official)
		cancel()
		if err == nil {
			return Image{Ref: Official, CLIPath: "/usr/local/bin/docker", Official: true, Note: "pulled " + Official}, nil
		}
		if ctx.Err() != nil {
			return Image{}, ctx.Err()
		}
	}
	ref := OwnRef(opt.Version)
	files, hash, err := recipeFiles()
	if err != nil {
		return Image{}, err
	}
	img := Image{Ref: ref, CLIPath: OwnCLIPath}
	if imgs, err := eng.ImageList(ctx, map[string]string{labels.Inputs: hash, labels.Role: labels.RoleSidecarImage}); err == nil {
		for _, i := range imgs {
			for _, t := range i.Tags {
				if t == ref {
					return img, nil
				}
			}
		}
	}
	bases := opt.Bases
	if len(bases) == 0 {
		bases = []string{"debian:bookworm", "debian:trixie"}
	}
	base := ""
	for _, b := range bases {
		if _, err := eng.ImageID(ctx, b); err == nil {
			base = b
			break
		}
	}
	if base == "" {
		return Image{}, fmt.Errorf("sidecar image: %s cannot be pulled and no Debian base image (%v) is present to build %s from; run: bash scripts/setup.sh", Official, bases, ref)
	}
	df, _ := recipe.ReadFile("recipe/Dockerfile")
	lb := labels.For("", "", "", labels.RoleSidecarImage, opt.Version)
	lb[labels.Inputs] = hash
	err = eng.Build(ctx, engine.BuildRequest{
		Dockerfile: df, Files: files, Tag: ref, Labels: lb,
		BuildArgs: map[string]string{"BASE": base}, Progress: opt.Progress,
	})
	if err != nil {
		return Image{}, fmt.Errorf("sidecar image: %w", err)
	}
	img.Built = true
	img.Note = fmt.Sprintf("%s is not available here; built %s from %s with Debian's docker.io", Official, ref, base)
	return img, nil
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
