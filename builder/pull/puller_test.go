package pull

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/dbuilder/dbuilder/builder/engine"
	"github.com/dbuilder/dbuilder/builder/engine/enginefake"
)

func pulls(f *enginefake.Fake) []string {
	var out []string
	for _, e := range f.Events() {
		if ref, ok := strings.CutPrefix(e, "pull "); ok {
			out = append(out, ref)
		}
	}
	return out
}

var wants = []Want{{Ref: "debian:bookworm", Why: "base image"}, {Ref: "example/db:1", Why: "preload image"}, {Ref: "debian:bookworm", Why: "base image"}}

func TestPolicies(t *testing.T) {
	for _, c := range []struct {
		policy Policy
		want   []string
	}{
		{Missing, []string{"example/db:1"}}, // debian:bookworm is on the daemon
		{Always, []string{"debian:bookworm", "example/db:1"}},
		{Never, nil},
	} {
		t.Run(string(c.policy), func(t *testing.T) {
			f := enginefake.New("host")
			f.AddImage("debian:bookworm", nil)
			f.AddRemote("debian:bookworm")
			f.AddRemote("example/db:1")
			var progress strings.Builder
			p := New(f, c.policy, func(ref string) io.Writer { return &progress })
			if err := p.Ensure(context.Background(), wants); err != nil {
				t.Fatal(err)
			}
			// A second Ensure in the same run pulls nothing again.
			if err := p.Ensure(context.Background(), wants); err != nil {
				t.Fatal(err)
			}
			if got := pulls(f); !slices.Equal(got, c.want) || !slices.Equal(p.Pulled, c.want) {
				t.Errorf("pulled %v (Pulled %v), want %v", got, p.Pulled, c.want)
			}
			if len(c.want) > 0 && !strings.Contains(progress.String(), "pulled in ") {
				t.Errorf("progress:\n%s", progress.String())
			}
		})
	}
}

// TestUnreachableOnce: a registry that cannot be reached is asked once;
// the other images from it fail without a try, and another registry is
// still tried.
func TestUnreachableOnce(t *testing.T) {
	f := enginefake.New("host")
	f.AddRemote("reg.example.com/c:1")
	asked := map[string]int{}
	f.OnPull = func(ref string) error {
		host := engine.RegistryOf(ref)
		asked[host]++
		if host == "docker.io" {
			return fmt.Errorf("pull %s: %w: dial tcp: lookup registry-1.docker.io: no such host", ref, engine.ErrUnreachable)
		}
		return nil
	}
	p := New(f, Missing, nil)
	err := p.Ensure(context.Background(), []Want{{Ref: "fedora:41", Why: "base image"}, {Ref: "mariadb:11", Why: "preload image"}, {Ref: "reg.example.com/c:1", Why: "preload image"}})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"base image fedora:41: registry docker.io cannot be reached", "no such host", "bash scripts/setup.sh", "--pull never",
		"preload image mariadb:11: not pulled: registry docker.io cannot be reached (see above)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if asked["docker.io"] != 1 || asked["reg.example.com"] != 1 || !slices.Equal(p.Pulled, []string{"reg.example.com/c:1"}) {
		t.Errorf("asked %v, pulled %v", asked, p.Pulled)
	}
}

func TestDeniedSaysLogIn(t *testing.T) {
	f := enginefake.New("host")
	f.OnPull = func(ref string) error {
		return fmt.Errorf("pull %s: %w: no basic auth credentials", ref, engine.ErrDenied)
	}
	err := New(f, Missing, nil).Ensure(context.Background(), []Want{{Ref: "127.0.0.1:5000/x:1", Why: "base image"}})
	if err == nil || !strings.Contains(err.Error(), "registry 127.0.0.1:5000 refused it") || !strings.Contains(err.Error(), "docker login 127.0.0.1:5000") {
		t.Errorf("got %v", err)
	}
}

func TestParsePolicy(t *testing.T) {
	for s, want := range map[string]Policy{"": Missing, "missing": Missing, "always": Always, "never": Never} {
		if got, err := ParsePolicy(s); err != nil || got != want {
			t.Errorf("ParsePolicy(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParsePolicy("sometimes"); err == nil || !strings.Contains(err.Error(), "missing, always or never") {
		t.Errorf("ParsePolicy(sometimes) = %v", err)
	}
}
