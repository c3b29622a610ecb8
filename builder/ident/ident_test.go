package ident

import (
	"regexp"
	"testing"

	"github.com/dbuilder/dbuilder/builder/labels"
)

var legal = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9_.-]*$`)

func TestDockerNameLegalAndUnique(t *testing.T) {
	// Every valid deb or rpm package name must give legal names: ++ and
	// ~ are legal in package names, not in Docker names.
	matrices := []string{"hellodb", "libsigc++", "libsigc--", "gtk+3.0", "a-b", "a", "x_y", "0ad", "perl-Foo~bar", "ünïcode", ""}
	targets := []string{"debian-bookworm", "b-c", "c", "fedora-41-arm64"}
	seen := map[string][2]string{}
	for _, m := range matrices {
		for _, tg := range targets {
			n := ForTarget(m, tg)
			for _, name := range []string{n.Cache, n.Lock, Run{ID: "ab12"}.Socket(n), Run{ID: "ab12"}.Build(n)} {
				if !legal.MatchString(name) {
					t.Errorf("(%q, %q): %q is not a legal Docker name", m, tg, name)
				}
			}
			if prev, dup := seen[n.Cache]; dup {
				t.Errorf("(%q, %q) and %v share cache volume %q", m, tg, prev, n.Cache)
			}
			seen[n.Cache] = [2]string{m, tg}
		}
	}
	if ForTarget("hellodb", "debian-bookworm").Lock == ForTarget("hellodb", "debian-bookworm").Cache {
		t.Error("lock and cache share a name")
	}
	if got := DockerName("plain"); got != "plain" {
		t.Errorf("single part changed: %q", got)
	}
}

func TestLabels(t *testing.T) {
	r := Run{ID: "r1", Version: "1.0"}
	l := r.Labels("build", ForTarget("libsigc++", "debian-bookworm"))
	if l["io.dbuilder.matrix"] != "libsigc++" || l["io.dbuilder.run"] != "r1" || l["io.dbuilder.target"] != "debian-bookworm" || l["io.dbuilder.managed"] != "true" {
		t.Errorf("labels %v", l)
	}
	if _, ok := Kept("1.0").Labels("cache", Target{})["io.dbuilder.run"]; ok {
		t.Error("kept resources must carry no run label")
	}
}

// The images dbuilder makes share one namespace; their tags come from the
// values given, nothing else.
func TestImageNames(t *testing.T) {
	for got, want := range map[string]string{
		SidecarImage("1.2.0", "abcd1234"):  "dbuilder/dind:1.2.0-abcd1234",
		SidecarImage("1.2.0", ""):          "dbuilder/dind:1.2.0",
		ReleaseToolsImage("1.2.0"):         "dbuilder/release-tools:1.2.0",
		BuilderRepo("debian:bookworm", ""): "dbuilder/builder-debian-bookworm",
		BuilderRepo("fedora:41", "arm64"):  "dbuilder/builder-fedora-41-arm64",
	} {
		if got != want {
			t.Errorf("got %s, want %s", got, want)
		}
	}
	lb := BuilderImageLabels("fedora:41")
	if len(lb) != 3 || lb[labels.Managed] != "true" || lb[labels.Role] != labels.RoleBuilder || lb[labels.Distro] != "fedora:41" {
		t.Errorf("builder image labels %v", lb)
	}
}
