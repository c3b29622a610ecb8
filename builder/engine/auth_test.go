package engine

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/registry"
)

func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

func decodeHeader(t *testing.T, h string) registry.AuthConfig {
	t.Helper()
	js, err := base64.URLEncoding.DecodeString(h)
	if err != nil {
		t.Fatal(err)
	}
	var ac registry.AuthConfig
	if err := json.Unmarshal(js, &ac); err != nil {
		t.Fatal(err)
	}
	return ac
}

// TestCredentialsAuths: `auths` entries (what docker login writes) are
// found by the registry of the reference, Docker Hub's under its historic key.
func TestCredentialsAuths(t *testing.T) {
	t.Setenv("DOCKER_AUTH_CONFIG", "")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	dir := writeConfig(t, `{"auths": {
		"127.0.0.1:5000": {"auth": "`+b64("alice:s3cret-pw")+`"},
		"https://index.docker.io/v1/": {"auth": "`+b64("bob:hub-token")+`"}}}`)
	c, err := credentialsFor(dir, "127.0.0.1:5000/x/base:1")
	if err != nil {
		t.Fatal(err)
	}
	if ac := decodeHeader(t, c.header); ac.Username != "alice" || ac.Password != "s3cret-pw" || ac.ServerAddress != "127.0.0.1:5000" {
		t.Errorf("auth for 127.0.0.1:5000 = %+v", ac)
	}
	if got := c.scrub("denied for alice with s3cret-pw (" + b64("alice:s3cret-pw") + ")"); strings.Contains(got, "s3cret") || strings.Contains(got, b64("alice:s3cret-pw")) {
		t.Errorf("scrub left a secret: %s", got)
	}
	hub, _ := credentialsFor(dir, "debian:bookworm")
	if ac := decodeHeader(t, hub.header); ac.Username != "bob" {
		t.Errorf("auth for docker.io = %+v", ac)
	}
	other, _ := credentialsFor(dir, "quay.io/centos/centos:stream9")
	if other.header != "" {
		t.Errorf("a registry without credentials got %q", other.header)
	}
	if none, err := credentialsFor("", "debian:bookworm"); err != nil || none.header != "" {
		t.Errorf("no config dir: %+v %v", none, err)
	}
	if none, err := credentialsFor(t.TempDir(), "debian:bookworm"); err != nil || none.header != "" {
		t.Errorf("no config.json: %+v %v", none, err)
	}
}

// TestCredentialsHelper: credHelpers name a program the CLI would run,
// docker-credential-NAME on the PATH; dbuilder runs it the same way.
func TestCredentialsHelper(t *testing.T) {
	t.Setenv("DOCKER_AUTH_CONFIG", "")
	bin := t.TempDir()
	helper := "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\",\"Username\":\"carol\",\"Secret\":\"helper-secret\"}'\n"
	if err := os.WriteFile(filepath.Join(bin, "docker-credential-dbtest"), []byte(helper), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	dir := writeConfig(t, `{"credHelpers": {"registry.example.com": "dbtest"}}`)
	c, err := credentialsFor(dir, "registry.example.com/hub/library/debian:bookworm")
	if err != nil {
		t.Fatal(err)
	}
	if ac := decodeHeader(t, c.header); ac.Username != "carol" || ac.Password != "helper-secret" {
		t.Errorf("helper credentials = %+v", ac)
	}
	// A helper that is not installed is an error naming the registry.
	dir = writeConfig(t, `{"credsStore": "dbtest-missing"}`)
	if _, err := credentialsFor(dir, "registry.example.com/x:1"); err == nil || !strings.Contains(err.Error(), "registry.example.com") {
		t.Errorf("missing helper: %v", err)
	}
}

func TestCredentialsBadConfig(t *testing.T) {
	dir := writeConfig(t, `{"auths": `)
	_, err := credentialsFor(dir, "debian:bookworm")
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "config.json")) {
		t.Errorf("malformed config: %v", err)
	}
}

// TestPullStream: one line per layer and status, sizes for downloads, and
// an error in the stream ends the pull with it.
func TestPullStream(t *testing.T) {
	stream := `{"status":"Pulling from library/debian","id":"bookworm"}
{"status":"Pulling fs layer","progressDetail":{},"id":"a1"}
{"status":"Downloading","progressDetail":{"current":1000,"total":48000000},"id":"a1"}
{"status":"Downloading","progressDetail":{"current":2000,"total":48000000},"id":"a1"}
{"status":"Download complete","progressDetail":{},"id":"a1"}
{"status":"Extracting","progressDetail":{"current":1,"total":2},"id":"a1"}
{"status":"Extracting","progressDetail":{"current":2,"total":2},"id":"a1"}
{"status":"Pull complete","progressDetail":{},"id":"a1"}
{"status":"Digest: sha256:abc"}
{"status":"Status: Downloaded newer image for debian:bookworm"}
`
	var out strings.Builder
	ticks := 0
	if err := pullStream(strings.NewReader(stream), &out, func(string) { ticks++ }); err != nil {
		t.Fatal(err)
	}
	want := "bookworm: Pulling from library/debian\na1: Pulling fs layer\na1: Downloading 48.0 MB\na1: Download complete\na1: Extracting\na1: Pull complete\nDigest: sha256:abc\nStatus: Downloaded newer image for debian:bookworm\n"
	if out.String() != want || ticks != 10 || size(512) != "512 B" || size(5300) != "5.3 kB" || size(1.2e9) != "1.2 GB" {
		t.Errorf("%d ticks, lines:\n%s", ticks, out.String())
	}
	err := pullStream(strings.NewReader(`{"status":"Pulling fs layer","id":"a1"}`+"\n"+`{"error":"unexpected EOF","errorDetail":{"message":"unexpected EOF"}}`), nil, func(string) {})
	if err == nil || err.Error() != "unexpected EOF" {
		t.Errorf("stream error: %v", err)
	}
}

func TestRegistryError(t *testing.T) {
	creds := credentials{secrets: []string{"pw-123"}}
	for msg, kind := range map[string]error{
		`Get "https://nosuch.invalid/v2/": dial tcp: lookup nosuch.invalid: no such host`:   ErrUnreachable,
		`Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused`:   ErrUnreachable,
		`Head "http://127.0.0.1:5000/v2/x/manifests/1": no basic auth credentials`:          ErrDenied,
		`unauthorized: authentication required (pw-123)`:                                    ErrDenied,
		`pull access denied for x, repository does not exist or may require 'docker login'`: ErrDenied,
	} {
		err := registryError("pull x", errors.New(msg), creds)
		if !errors.Is(err, kind) || strings.Contains(err.Error(), "pw-123") {
			t.Errorf("%s -> %v, want %v", msg, err, kind)
		}
	}
}
