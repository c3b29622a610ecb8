// Package dockertest gives tests a real Docker engine. Without a daemon,
// an image, or with -short, the test is skipped, unless
// DBUILDER_REQUIRE_DOCKER is set (CI sets it): then it fails instead of
// hiding (internal/testreq decides).
package dockertest

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/ident"
	"github.com/dbuilder/dbuilder/builder/labels"
	"github.com/dbuilder/dbuilder/builder/sidecar"
	"github.com/dbuilder/dbuilder/builder/version"
	"github.com/dbuilder/dbuilder/internal/testreq"
)

// Engine connects to the daemon or skips/fails the test.
func Engine(t testing.TB) engine.Engine {
	t.Helper()
	testreq.NotShort(t, "a real-daemon test")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	eng, err := engine.New(ctx, engine.EndpointFromEnv(os.Getenv))
	if err != nil {
		testreq.Need(t, "no Docker daemon answers (run: bash scripts/setup.sh): "+err.Error())
	}
	t.Cleanup(func() { eng.Close() })
	return eng
}

// Image returns ref's ID, failing the test (with how to make it) if it is missing.
func Image(t testing.TB, eng engine.Engine, ref string) string {
	t.Helper()
	img, err := eng.Image(context.Background(), ref)
	if err != nil {
		testreq.Need(t, fmt.Sprintf("image %s is missing (run: bash scripts/setup.sh): %v", ref, err))
	}
	return img.ID
}

// RunID returns a fresh run id for a test.
func RunID(t testing.TB) string {
	b := make([]byte, 4)
	rand.Read(b)
	return "t" + hex.EncodeToString(b)
}

// NewRun returns a fresh run identity for a test.
func NewRun(t testing.TB) ident.Run { return ident.Run{ID: RunID(t), Version: version.Version} }

// SidecarImage makes sure dbuilder's own sidecar image exists and returns it.
func SidecarImage(t testing.TB, eng engine.Engine) sidecar.Image {
	t.Helper()
	img := sidecar.ImageFor("", version.Version)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	note, err := sidecar.Ensure(ctx, eng, img, sidecar.EnsureOptions{Version: version.Version})
	if err != nil {
		t.Fatal(err)
	}
	if note != "" {
		t.Log(note)
	}
	return img
}

// AssertClean fails the test if any container or non-cache volume of run remains.
func AssertClean(t testing.TB, eng engine.Engine, run string) {
	t.Helper()
	ctx := context.Background()
	cs, err := eng.ContainerList(ctx, map[string]string{labels.Run: run})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs {
		t.Errorf("run %s left container %s (%s, role %s)", run, c.Name, c.State, c.Labels[labels.Role])
	}
	vs, err := eng.VolumeList(ctx, map[string]string{labels.Run: run})
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range vs {
		t.Errorf("run %s left volume %s (role %s)", run, v.Name, v.Labels[labels.Role])
	}
}

// Run runs script with sh in a fresh container of image, with files (path
// in the container -> content) copied in first through the API, and returns
// the exit code and output. The container is not io.dbuilder.managed (gc
// must not count it) and is always removed.
func Run(t testing.TB, eng engine.Engine, image, script string, files map[string][]byte) (int, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	spec := engine.ContainerSpec{
		Image: image, Cmd: []string{"sh", "-c", script},
		Labels: map[string]string{"dbuilder-test": "run"},
	}
	code, out, err := engine.RunOnce(ctx, eng, spec, func(ctx context.Context, id string) error {
		for p, data := range files {
			var b bytes.Buffer
			tw := tar.NewWriter(&b)
			tw.WriteHeader(&tar.Header{Name: path.Base(p), Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg})
			tw.Write(data)
			tw.Close()
			if err := eng.CopyTo(ctx, id, path.Dir(p), &b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return code, string(out)
}
