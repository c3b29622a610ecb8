package run

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// imageFrom says where a target's builder image came from.
type imageFrom int

func (f imageFrom) String() string { return [...]string{"reused", "pulled", "built"}[f] }

// imageStep is what the image step did.
type imageStep struct {
	from   imageFrom
	pushed bool // to the cache registry
}

const (
	imageReused imageFrom = iota // on the daemon already, inputs unchanged
	imagePulled                  // from the cache registry
	imageBuilt                   // built now (and pushed, with a cache registry)
)

// builderImage makes sure the job's builder image exists. Its tag carries a
// hash of the Dockerfile and context, and the image carries the IDs of the
// images it was built FROM: when both match, it is reused without even
// asking BuildKit (no package-manager traffic). Otherwise the cache
// registry's image of the same inputs is pulled when it has one and it was
// built FROM the same images; else the image is built, and pushed there.
// Targets that share an image make it one at a time: the first makes it,
// the others then find it.
func (r *runner) builderImage(ctx context.Context, j plan.Job, log *targetLog) (imageStep, error) {
	built := imageStep{from: imageBuilt}
	unlock, err := r.images.lock(ctx, j.ImageTag)
	if err != nil {
		return built, err
	}
	defer unlock()
	bases, err := baseIDs(ctx, r.eng, j.Bases)
	if err != nil {
		return built, err
	}
	if img, err := r.eng.Image(ctx, j.ImageTag); err == nil && img.Labels[labels.Bases] == bases {
		log.Printf("dbuilder: builder image %s reused (inputs unchanged)", j.ImageTag)
		return imageStep{from: imageReused}, nil
	}
	if ok, err := r.cache.Fetch(ctx, j.CacheTag, j.ImageTag, builtAs(j, bases), log); err != nil || ok {
		return imageStep{from: imagePulled}, err
	}
	log.Printf("dbuilder: building builder image %s", j.ImageTag)
	// No run id, matrix or target: the image outlives the run and is shared
	// by every target (of any matrix) that renders the same Dockerfile.
	lb := ident.Kept(r.run.Version).Labels(labels.RoleBuilder, ident.Target{})
	lb[labels.Bases] = bases
	lb[labels.Inputs] = j.InputHash
	err = r.eng.Build(ctx, engine.BuildRequest{Dockerfile: j.Dockerfile, Files: j.Context, Tag: j.ImageTag, Labels: lb, Progress: log})
	if err != nil {
		return built, err
	}
	built.pushed, err = r.cache.Store(ctx, j.ImageTag, j.CacheTag, log)
	return built, err
}

// builtAs checks that an image from the cache registry is the one this
// job would build: a builder image of dbuilder's, of the same inputs (the
// tag says so too, but anyone may push a tag), built FROM images with the
// IDs the local ones have, as the reuse of a local image checks.
func builtAs(j plan.Job, bases string) func(engine.Image) error {
	return func(img engine.Image) error {
		lb := img.Labels
		switch {
		case lb[labels.Managed] != "true" || lb[labels.Role] != labels.RoleBuilder:
			return errors.New("not a dbuilder builder image")
		case lb[labels.Inputs] != j.InputHash:
			return fmt.Errorf("built from other inputs: %s", short(lb[labels.Inputs]))
		case lb[labels.Bases] != bases:
			return fmt.Errorf("built FROM %s, this daemon has %s", lb[labels.Bases], bases)
		}
		return nil
	}
}

// baseIDs names the images a builder image is built FROM with their IDs.
func baseIDs(ctx context.Context, eng Engine, refs []string) (string, error) {
	parts := make([]string, 0, len(refs))
	for _, ref := range refs {
		img, err := eng.Image(ctx, ref)
		if err != nil {
			return "", fmt.Errorf("base image %s is not on the daemon (run: bash scripts/setup.sh, or docker pull it): %w", ref, err)
		}
		parts = append(parts, ref+"@"+img.ID)
	}
	return strings.Join(parts, ","), nil
}
