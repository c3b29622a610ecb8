package matrix

import (
	"slices"
	"strings"
	"testing"
)

func TestSelect(t *testing.T) {
	m, err := parse(t, head+"matrix:\n  distro: [debian:bookworm, debian:trixie, ubuntu:24.04, fedora:40, fedora:41, rockylinux:9]\n  arch: [amd64, arm64]\nexclude:\n  - {distro: \"ubuntu:*\", arch: arm64}\n  - {distro: \"fedora:40\", arch: arm64}\n  - {distro: \"rockylinux:9\", arch: arm64}")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		sel  string
		want []string
	}{
		{"", targetNames(m.Targets)},
		{"  ", targetNames(m.Targets)},
		{"debian:trixie", []string{"debian-trixie-amd64", "debian-trixie-arm64"}},
		{"debian-trixie-arm64", []string{"debian-trixie-arm64"}},
		{"fedora", []string{"fedora-40-amd64", "fedora-41-amd64", "fedora-41-arm64"}},
		{"debian:*", []string{"debian-bookworm-amd64", "debian-bookworm-arm64", "debian-trixie-amd64", "debian-trixie-arm64"}},
		{"*-arm64", []string{"debian-bookworm-arm64", "debian-trixie-arm64", "fedora-41-arm64"}},
		{"fedora:4?", []string{"fedora-40-amd64", "fedora-41-amd64", "fedora-41-arm64"}},
		// A list keeps matrix order and lists each target once.
		{"rockylinux:9, debian:bookworm,debian-bookworm-amd64,", []string{"debian-bookworm-amd64", "debian-bookworm-arm64", "rockylinux-9-amd64"}},
	}
	for _, tt := range tests {
		got, err := Select(m.Targets, tt.sel)
		if err != nil {
			t.Errorf("Select(%q): %v", tt.sel, err)
			continue
		}
		if !slices.Equal(targetNames(got), tt.want) {
			t.Errorf("Select(%q) = %q, want %q", tt.sel, targetNames(got), tt.want)
		}
	}

	errs := []struct{ sel, want string }{
		{"debian:trixe", `no target matches "debian:trixe"; did you mean debian:trixie? (targets: debian-bookworm-amd64, debian-bookworm-arm64,`},
		{"fedora-14-amd64", `did you mean fedora-41-amd64?`},
		{"rocky", `no target matches "rocky" (targets: `},
		{"opensuse:*", `no target matches "opensuse:*"`},
		{"debian:[", `selector "debian:[": bad pattern`},
		// Every item is checked, even when others match.
		{"debian:trixie,fedroa", `no target matches "fedroa"; did you mean fedora?`},
	}
	for _, tt := range errs {
		_, err := Select(m.Targets, tt.sel)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Select(%q) err = %v, want %s", tt.sel, err, tt.want)
		}
	}
}

func TestClosest(t *testing.T) {
	known := []string{"debian:bookworm", "debian:trixie", "fedora:41", "rockylinux:9"}
	for _, tt := range []struct{ in, want string }{
		{"debian:trixe", "debian:trixie"},
		{"Debian:Trixie", "debian:trixie"},
		{"trixie", "debian:trixie"},
		{"fedora:14", "fedora:41"},
		{"rockylinux:8", "rockylinux:9"},
		{"arch:latest", ""},
		{"", ""},
	} {
		if got := closest(tt.in, known); got != tt.want {
			t.Errorf("closest(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
	for _, tt := range []struct {
		a, b string
		want int
	}{{"", "", 0}, {"abc", "", 3}, {"dpes", "deps", 1}, {"kitten", "sitting", 3}, {"ca", "abc", 3}} {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
