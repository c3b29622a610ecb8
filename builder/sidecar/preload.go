package sidecar

import (
	"context"
	"fmt"
)

// PreloadResult says what Preload did for each image.
type PreloadResult struct {
	Loaded []string // copied from the host daemon
	Reused []string // already in the inner daemon with the same image ID
}

// Preload copies images from the host daemon into the inner one, but only
// those the inner daemon lacks (compared by image ID, so a retagged or
// rebuilt image is copied again). The copy streams the host's `docker save`
// into the inner daemon's load through the Engine API, so it works for
// remote daemons too.
func (s *Sidecar) Preload(ctx context.Context, images []string) (PreloadResult, error) {
	var res PreloadResult
	for _, ref := range images {
		host, err := s.eng.Image(ctx, ref)
		if err != nil {
			return res, fmt.Errorf("preload %s: not on the host daemon (build or pull it there first): %w", ref, err)
		}
		if in, err := s.Inner.Image(ctx, ref); err == nil && in.ID == host.ID {
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
	if err := s.Inner.ImageLoad(ctx, tar); err != nil {
		return fmt.Errorf("preload %s into the target's daemon: %w", ref, err)
	}
	return nil
}
