package sidecar_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/builder/version"
)

var testVersion = version.Version

// tinyImage builds a one-file image on the host daemon to preload.
func tinyImage(t *testing.T, eng engine.Engine, tag, content string) string {
	t.Helper()
	err := eng.Build(context.Background(), engine.BuildRequest{
		Dockerfile: []byte("FROM scratch\nCOPY hello /hello\n"),
		Files:      map[string][]byte{"hello": []byte(content)},
		Tag:        tag,
		Labels:     map[string]string{"dbuilder-test": "preload-image"},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { eng.ImageRemove(context.Background(), tag) })
	return dockertest.Image(t, eng, tag)
}

func TestSidecarReal(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	h := startOnHost(t, ctx)
	eng, img, run := h.eng, h.img, h.run
	dockertest.Image(t, eng, "debian:bookworm")
	if note, err := sidecar.Ensure(ctx, eng, img, sidecar.EnsureOptions{Version: testVersion}); err != nil || note != "" {
		t.Fatalf("second Ensure did something (%q) or failed: %v", note, err)
	}
	t.Logf("mode: %s", h.mode)

	tg := ident.ForTarget("test", "sidecar-"+run.ID)
	t.Cleanup(func() { eng.VolumeRemove(context.Background(), tg.Cache) })
	cfg := sidecar.Config{Image: img, Mode: h.mode, Run: run, Target: tg}
	sc, err := sidecar.Start(ctx, eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Stop()
	// Its entrypoint marked the cache volume used, for `dbuilder cache ls`.
	if code, err := eng.Exec(ctx, sc.ID, []string{"test", "-f", "/var/lib/docker/" + sidecar.LastUsedFile}, nil, io.Discard); err != nil || code != 0 {
		t.Errorf("no %s in the cache volume: exit %d %v", sidecar.LastUsedFile, code, err)
	}

	host, err := eng.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if sc.InnerID == "" || sc.InnerID == host.ID {
		t.Fatalf("inner daemon id %q must differ from the host's %q", sc.InnerID, host.ID)
	}
	var out bytes.Buffer
	code, err := eng.Exec(ctx, sc.ID, []string{"docker", "-H", sidecar.Host, "version", "--format", "{{.Server.Version}}"}, nil, &out)
	if err != nil || code != 0 || strings.TrimSpace(out.String()) == "" {
		t.Fatalf("docker version in sidecar: code %d err %v out %q", code, err, out.String())
	}
	t.Logf("inner daemon %s, version %s", sc.InnerID, strings.TrimSpace(out.String()))
	innerInfo, err := sc.Inner.Info(ctx)
	if err != nil || innerInfo.ID != sc.InnerID {
		t.Fatalf("inner engine over dial-stdio: %+v %v", innerInfo, err)
	}

	ref := "dbuilder-test/tiny:" + run.ID
	tinyImage(t, eng, ref, "one")
	res, err := sc.Preload(ctx, []string{ref})
	if err != nil || len(res.Loaded) != 1 {
		t.Fatalf("first preload: %+v %v", res, err)
	}
	res, err = sc.Preload(ctx, []string{ref})
	if err != nil || len(res.Reused) != 1 || len(res.Loaded) != 0 {
		t.Fatalf("second preload should reuse: %+v %v", res, err)
	}
	tinyImage(t, eng, ref, "two") // same tag, new ID: copied again
	res, err = sc.Preload(ctx, []string{ref})
	if err != nil || len(res.Loaded) != 1 {
		t.Fatalf("changed image should be loaded again: %+v %v", res, err)
	}

	// A second sidecar on the same cache waits while the first holds it.
	cfg2 := cfg
	cfg2.Run = dockertest.NewRun(t)
	cfg2.Alive = func(context.Context, string) bool { return true }
	wctx, wcancel := context.WithTimeout(ctx, 3*time.Second)
	_, err = sidecar.Start(wctx, eng, cfg2)
	wcancel()
	if err == nil {
		t.Fatal("second sidecar on a held cache volume started")
	}
	dockertest.AssertClean(t, eng, cfg2.Run.ID)

	if err := sc.Stop(); err != nil {
		t.Fatal(err)
	}
	// The cache survives; a new sidecar on it finds the preloaded image.
	sc2, err := sidecar.Start(ctx, eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer sc2.Stop()
	res, err = sc2.Preload(ctx, []string{ref})
	if err != nil || len(res.Reused) != 1 {
		t.Fatalf("warm cache should already hold the image: %+v %v", res, err)
	}
}
