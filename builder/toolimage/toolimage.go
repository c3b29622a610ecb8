// Package toolimage builds dbuilder's own helper images (the release
// tools, the autopkgtest runner) from their embedded recipes: once per
// daemon and version, again only when the recipe's hash, which the image
// carries in a label, changed.
package toolimage

import (
	"context"
	"fmt"
	"io"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
)

// Engine is what building a helper image needs of the daemon.
type Engine interface {
	Build(ctx context.Context, req engine.BuildRequest) error
	Image(ctx context.Context, ref string) (engine.Image, error)
}

// Spec is one helper image.
type Spec struct {
	What       string // "release tools image", for messages
	Ref        string
	Hash       string   // of everything it is built from
	Role       string   // its labels.Role
	Version    string   // dbuilder's: the image is kept per version
	Bases      []string // Debian images it may be built FROM (BASE), in order of preference
	Dockerfile []byte
	Files      map[string][]byte
	Args       map[string]string // besides BASE
	Progress   io.Writer
}

// Ensure builds s when the daemon lacks it or has it from another recipe.
// It returns the base it was built from, "" when nothing was built.
func Ensure(ctx context.Context, eng Engine, s Spec) (string, error) {
	if have, err := eng.Image(ctx, s.Ref); err == nil && have.Labels[labels.Inputs] == s.Hash {
		return "", nil
	}
	base := ""
	for _, b := range s.Bases {
		if _, err := eng.Image(ctx, b); err == nil {
			base = b
			break
		}
	}
	if base == "" {
		return "", fmt.Errorf("%s: no Debian base image (%v) is present to build %s from; run: bash scripts/setup.sh", s.What, s.Bases, s.Ref)
	}
	lb := ident.Kept(s.Version).Labels(s.Role, ident.Target{})
	lb[labels.Inputs] = s.Hash
	args := map[string]string{"BASE": base}
	for k, v := range s.Args {
		args[k] = v
	}
	err := eng.Build(ctx, engine.BuildRequest{
		Dockerfile: s.Dockerfile, Files: s.Files, Tag: s.Ref, Labels: lb,
		BuildArgs: args, Progress: s.Progress,
	})
	if err != nil {
		return "", fmt.Errorf("%s: %w", s.What, err)
	}
	return base, nil
}
