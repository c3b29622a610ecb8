package run

import (
	"context"
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/plan"
)

// builderImage makes sure the job's builder image exists. Its tag carries a
// hash of the Dockerfile and context, and the image carries the IDs of the
// images it was built FROM: when both match, it is reused without even
// asking BuildKit (no package-manager traffic); any change builds anew.
func (r *runner) builderImage(ctx context.Context, j plan.Job, log *targetLog) (bool, error) {
	bases, err := baseIDs(ctx, r.eng, j.Bases)
	if err != nil {
		return false, err
	}
	if img, err := r.eng.Image(ctx, j.ImageTag); err == nil && img.Labels[labels.Bases] == bases {
		log.Printf("dbuilder: builder image %s reused (inputs unchanged)", j.ImageTag)
		return true, nil
	}
	log.Printf("dbuilder: building builder image %s", j.ImageTag)
	// No run id, matrix or target: the image outlives the run and is shared
	// by every target (of any matrix) that renders the same Dockerfile.
	lb := ident.Kept(r.run.Version).Labels(labels.RoleBuilder, ident.Target{})
	lb[labels.Bases] = bases
	err = r.eng.Build(ctx, engine.BuildRequest{Dockerfile: j.Dockerfile, Files: j.Context, Tag: j.ImageTag, Labels: lb, Progress: log})
	return false, err
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
