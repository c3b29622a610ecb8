package engine_test

import (
	"context"
	"testing"
	"time"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/internal/dockertest"
)

// TestSSHEndpointReal reaches the daemon through ssh://, the way a remote
// build host is used: the same daemon as the local socket answers, and a
// BuildKit build (gRPC and session over hijacked connections) works.
func TestSSHEndpointReal(t *testing.T) {
	local := dockertest.Engine(t)
	dockertest.Image(t, local, "debian:bookworm")
	want, err := local.Info(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ep := dockertest.SSHEndpoint(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	eng, err := engine.New(ctx, ep)
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if eng.Endpoint() != ep.Host {
		t.Errorf("endpoint %q", eng.Endpoint())
	}
	got, err := eng.Info(ctx)
	if err != nil || got.ID != want.ID {
		t.Fatalf("info over ssh: %v, id %q want %q", err, got.ID, want.ID)
	}
	tag := "dbuilder-test/over-ssh:" + dockertest.RunID(t)
	err = eng.Build(ctx, engine.BuildRequest{
		Dockerfile: []byte("FROM debian:bookworm\nCOPY hello /hello\nRUN cat /hello\n"),
		Files:      map[string][]byte{"hello": []byte(tag)},
		Tag:        tag, Labels: map[string]string{"dbuilder-test": "over-ssh"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer local.ImageRemove(context.Background(), tag)
	if _, err := local.Image(context.Background(), tag); err != nil {
		t.Fatalf("the image built over ssh is not on the daemon: %v", err)
	}
	// A hijacked stream with stdin (what preload and the anchor use).
	if code, out := dockertest.Run(t, eng, tag, "cat /hello", nil); code != 0 || out != tag {
		t.Fatalf("run over ssh: %d %q", code, out)
	}
}
