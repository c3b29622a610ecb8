package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/moby/moby/client"
)

// PushOptions tune ImagePush.
type PushOptions struct {
	Progress io.Writer // one line per layer and status change; nil discards
}

// ImageTag gives the image src the name dst as well.
func (d *Docker) ImageTag(ctx context.Context, src, dst string) error {
	_, err := d.api.ImageTag(ctx, client.ImageTagOptions{Source: src, Target: dst})
	return wrap(err, "tag "+src+" as "+dst)
}

// ImagePush pushes ref with the docker CLI's credentials for its registry
// (as ImagePull). The daemon speaks first on its own ("Preparing",
// "Waiting"): only what shows the registry answering ("Pushing",
// "Pushed", "Layer already exists") counts as an answer, so a registry
// that says nothing fails after PullFirstAnswer, one that stops after
// PullStall, as ErrUnreachable.
func (d *Docker) ImagePush(ctx context.Context, ref string, opt PushOptions) error {
	creds, err := credentialsFor(d.configDir, ref)
	if err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	header := creds.header
	if header == "" {
		// Old daemons want the header even for an anonymous push.
		header = "e30=" // base64 of "{}"
	}
	pctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	silent := errors.New("no answer")
	watch := time.AfterFunc(PullFirstAnswer, func() { cancel(silent) })
	defer watch.Stop()
	r, err := d.long.ImagePush(pctx, ref, client.ImagePushOptions{RegistryAuth: header})
	if err == nil {
		err = pullStream(r, opt.Progress, func(status string) {
			if registrySpoke(status) {
				watch.Reset(PullStall)
			}
		})
		r.Close()
	}
	return transferEnd(ctx, pctx, silent, "push "+ref, ref, err, creds)
}

// registrySpoke tells a push's progress from the registry from the
// daemon's own preparations.
func registrySpoke(status string) bool {
	return status != "" && status != "Preparing" && status != "Waiting" && !strings.HasPrefix(status, "The push refers to")
}
