package engine

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"

	bkclient "github.com/moby/buildkit/client"
	"github.com/moby/buildkit/util/progress/progressui"
	"github.com/tonistiigi/fsutil"
	"golang.org/x/sync/errgroup"
)

var _ Engine = (*Docker)(nil)

// Build builds an image with the daemon's embedded BuildKit, reached through
// the Engine API the way buildx's "docker" driver does: no buildx plugin, no
// separate buildkitd, and images that exist only locally can be used in FROM.
func (d *Docker) Build(ctx context.Context, req BuildRequest) error {
	bk, err := bkclient.New(ctx, "",
		bkclient.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) {
			return d.api.DialHijack(ctx, "/grpc", "h2c", nil)
		}),
		bkclient.WithSessionDialer(func(ctx context.Context, proto string, meta map[string][]string) (net.Conn, error) {
			return d.api.DialHijack(ctx, "/session", proto, meta)
		}))
	if err != nil {
		return fmt.Errorf("buildkit client: %w", err)
	}
	defer bk.Close()

	tmp, err := os.MkdirTemp("", "dbuilder-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ctxDir, dfDir := filepath.Join(tmp, "context"), filepath.Join(tmp, "dockerfile")
	if err := writeFiles(ctxDir, req.Files); err != nil {
		return err
	}
	if err := writeFiles(dfDir, map[string][]byte{"Dockerfile": req.Dockerfile}); err != nil {
		return err
	}
	ctxFS, err := fsutil.NewFS(ctxDir)
	if err != nil {
		return err
	}
	dfFS, err := fsutil.NewFS(dfDir)
	if err != nil {
		return err
	}
	attrs := map[string]string{"filename": "Dockerfile"}
	for k, v := range req.Labels {
		attrs["label:"+k] = v
	}
	for k, v := range req.BuildArgs {
		attrs["build-arg:"+k] = v
	}
	opt := bkclient.SolveOpt{
		Frontend:      "dockerfile.v0",
		FrontendAttrs: attrs,
		LocalMounts:   map[string]fsutil.FS{"context": ctxFS, "dockerfile": dfFS},
		Exports:       []bkclient.ExportEntry{{Type: "moby", Attrs: map[string]string{"name": req.Tag}}},
	}

	out := req.Progress
	if out == nil {
		out = io.Discard
	}
	display, err := progressui.NewDisplay(out, progressui.PlainMode)
	if err != nil {
		return err
	}
	ch := make(chan *bkclient.SolveStatus)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		_, err := bk.Solve(gctx, nil, opt, ch)
		return err
	})
	g.Go(func() error {
		_, err := display.UpdateFrom(context.WithoutCancel(gctx), ch)
		return err
	})
	if err := g.Wait(); err != nil {
		return fmt.Errorf("build %s: %w", req.Tag, err)
	}
	return nil
}

func writeFiles(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
