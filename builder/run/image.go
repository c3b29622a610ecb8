package run

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/builder/render"
	"github.com/dbuilder/dbuilder/distros"
)

// builderImage renders the target's Dockerfile and makes sure an image of
// exactly those inputs exists. The tag carries a hash of every input, so an
// unchanged Dockerfile and metadata reuse the image without even asking
// BuildKit (no package-manager traffic), and any change builds a new one.
func (r *runner) builderImage(ctx context.Context, t matrix.Target, d distros.Distro, fam distros.Family, log *targetLog) (string, bool, error) {
	files, err := render.ContextFiles(r.m.SourceDir, fam)
	if err != nil {
		return "", false, err
	}
	in := render.Input{Target: t, Distro: d, Family: fam, SpecFile: specFile(files)}
	if t.Test.Docker {
		in.DockerCLI = render.DockerCLI{Image: r.sidecar.Ref, Path: r.sidecar.CLIPath}
	}
	var df bytes.Buffer
	if err := render.Dockerfile(&df, in); err != nil {
		return "", false, err
	}
	hash, err := r.inputsHash(ctx, df.Bytes(), files, d.Image, in.DockerCLI.Image)
	if err != nil {
		return "", false, err
	}
	// No matrix name in the tag: the hash says what is inside, so packages
	// with the same distro and build dependencies share one image.
	tag := fmt.Sprintf("dbuilder/builder-%s:%s", t.Name, hash[:12])
	if _, err := r.eng.ImageID(ctx, tag); err == nil {
		log.Printf("dbuilder: builder image %s reused (inputs unchanged)", tag)
		return tag, true, nil
	}
	log.Printf("dbuilder: building builder image %s", tag)
	lb := labels.For("", r.m.Name, t.Name, labels.RoleBuilder, r.opt.Version)
	lb[labels.Inputs] = hash
	err = r.eng.Build(ctx, engine.BuildRequest{Dockerfile: df.Bytes(), Files: files, Tag: tag, Labels: lb, Progress: log})
	return tag, false, err
}

// inputsHash covers the Dockerfile, the context files and the IDs of the
// images it builds FROM, so a re-imported base image builds anew.
func (r *runner) inputsHash(ctx context.Context, dockerfile []byte, files map[string][]byte, images ...string) (string, error) {
	h := sha256.New()
	h.Write(dockerfile)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(h, "\x00%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	for _, img := range images {
		if img == "" {
			continue
		}
		id, err := r.eng.ImageID(ctx, img)
		if err != nil {
			return "", fmt.Errorf("base image %s is not on the daemon (run: bash scripts/setup.sh, or docker pull it): %w", img, err)
		}
		fmt.Fprintf(h, "\x00%s=%s", img, id)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func specFile(files map[string][]byte) string {
	for n := range files {
		if strings.HasSuffix(n, ".spec") && !strings.Contains(n, "/") {
			return n
		}
	}
	return ""
}
