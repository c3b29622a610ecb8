package sidecar

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
)

// PreloadResult says what Preload did for each image.
type PreloadResult struct {
	Loaded []string // copied from the host daemon
	Reused []string // already in the inner daemon with the same image ID
}

// Preload copies images from the host daemon into the inner one, but only
// those the inner daemon lacks (compared by image ID, so a retagged or
// rebuilt image is copied again). The copy streams `docker save` from the
// host into `docker load` in the sidecar through the Engine API, so it works
// for remote daemons too.
func (s *Sidecar) Preload(ctx context.Context, images []string) (PreloadResult, error) {
	var res PreloadResult
	for _, ref := range images {
		hostID, err := s.eng.ImageID(ctx, ref)
		if err != nil {
			return res, fmt.Errorf("preload %s: not on the host daemon (build or pull it there first): %w", ref, err)
		}
		var out bytes.Buffer
		code, err := s.eng.Exec(ctx, s.ID, []string{"docker", "-H", Host, "image", "inspect", "--format", "{{.Id}}", ref}, nil, &out)
		if err != nil {
			return res, fmt.Errorf("preload %s: %w", ref, err)
		}
		if code == 0 && strings.TrimSpace(out.String()) == hostID {
			res.Reused = append(res.Reused, ref)
			continue
		}
		if err := s.load(ctx, ref); err != nil {
			return res, err
		}
		res.Loaded = append(res.Loaded, ref)
	}
	return res, nil
}

func (s *Sidecar) load(ctx context.Context, ref string) error {
	tar, err := s.eng.ImageSave(ctx, []string{ref})
	if err != nil {
		return fmt.Errorf("preload %s: %w", ref, err)
	}
	defer tar.Close()
	var out bytes.Buffer
	code, err := s.eng.Exec(ctx, s.ID, []string{"docker", "-H", Host, "load", "-q"}, tar, &out)
	if err != nil {
		return fmt.Errorf("preload %s: %w", ref, err)
	}
	if code != 0 {
		return fmt.Errorf("preload %s: docker load in the sidecar failed (exit %d): %s", ref, code, strings.TrimSpace(out.String()))
	}
	_, _ = io.Copy(io.Discard, tar)
	return nil
}
