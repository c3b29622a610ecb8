package ident

import (
	"regexp"
	"strings"
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
		SidecarImage("1.2.0", "abcd1234"):                      "dbuilder/dind:1.2.0-abcd1234",
		SidecarImage("1.2.0", ""):                              "dbuilder/dind:1.2.0",
		ReleaseToolsImage("1.2.0"):                             "dbuilder/release-tools:1.2.0",
		BuilderRepo("debian:bookworm", ""):                     "dbuilder/builder-debian-bookworm",
		BuilderRepo("fedora:41", "arm64"):                      "dbuilder/builder-fedora-41-arm64",
		BuilderCacheTag("debian:bookworm", "", "0123456789ab"): "builder-debian-bookworm-0123456789ab",
		BuilderCacheTag("fedora:41", "arm64", "0123456789ab"):  "builder-fedora-41-arm64-0123456789ab",
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

// In a cache registry every builder image shares one repository: images of
// different distros or architectures never share a tag, and every tag is
// one the registry accepts, however long the distro's name (past 80
// characters the name is cut; the hash, of a Dockerfile that names the
// base image, still tells such images apart).
func TestBuilderCacheTags(t *testing.T) {
	seen := map[string]string{}
	for _, d := range []string{"debian:bookworm", "debian:trixie", "fedora:41", "debian-rpm:bookworm", "opensuse/leap:15.6", "rockylinux:9"} {
		for _, arch := range []string{"", "arm64", "armhf"} {
			tag := BuilderCacheTag(d, arch, "0123456789ab")
			if prev, ok := seen[tag]; ok {
				t.Errorf("%s/%s and %s share the tag %s", d, arch, prev, tag)
			}
			seen[tag] = d + "/" + arch
			if !tagRe.MatchString(tag) {
				t.Errorf("%s/%s: %q is not a valid tag", d, arch, tag)
			}
		}
	}
	if tag := BuilderCacheTag(strings.Repeat("x", 200)+":1", "ppc64el", "0123456789ab"); !tagRe.MatchString(tag) {
		t.Errorf("%q is not a valid tag", tag)
	}
}

// tagRe is the reference grammar's tag.
var tagRe = regexp.MustCompile(`^[\w][\w.-]{0,127}$`)
