package names

import (
	"strings"
	"testing"
)

func TestMirrored(t *testing.T) {
	dgst := "sha256:" + strings.Repeat("a", 64)
	for _, c := range []struct{ prefix, in, want string }{
		{"", "debian:bookworm", "debian:bookworm"},
		{"reg.example.com/hub", "debian:bookworm", "reg.example.com/hub/library/debian:bookworm"},
		{"reg.example.com/hub/", "debian:bookworm", "reg.example.com/hub/library/debian:bookworm"},
		{"127.0.0.1:5000", "rockylinux/rockylinux:9", "127.0.0.1:5000/rockylinux/rockylinux:9"},
		{"127.0.0.1:5000", "docker.io/library/debian:trixie", "127.0.0.1:5000/library/debian:trixie"},
		{"127.0.0.1:5000", "debian@" + dgst, "127.0.0.1:5000/library/debian@" + dgst},
		// Not Docker Hub's: a Docker Hub mirror cannot serve it.
		{"127.0.0.1:5000", "quay.io/centos/centos:stream9", "quay.io/centos/centos:stream9"},
		{"127.0.0.1:5000", "localhost/x:1", "localhost/x:1"},
	} {
		if got := Mirrored(c.prefix, c.in); got != c.want {
			t.Errorf("Mirrored(%q, %q) = %q, want %q", c.prefix, c.in, got, c.want)
		}
	}
}

func TestMirrorPrefix(t *testing.T) {
	for _, s := range []string{"reg.example.com", "reg.example.com/hub/", "127.0.0.1:5000", "localhost/x",
		"gitlab.example.com:443/my-group/dependency_proxy/containers"} {
		if err := MirrorPrefix(s); err != nil {
			t.Errorf("MirrorPrefix(%q) = %v", s, err)
		}
	}
	for s, want := range map[string]string{
		"":                         "empty",
		"https://reg.example.com":  "leave out the scheme",
		"hub":                      "registry host",
		"reg.example.com/Hub":      "lowercase",
		"reg.example.com/hub:tag":  "no tag or digest",
		"reg.example.com/h b":      "not a registry host",
		"reg.example.com/hub\nRUN": "line break",
	} {
		if err := MirrorPrefix(s); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("MirrorPrefix(%q) = %v, want error with %q", s, err, want)
		}
	}
}
