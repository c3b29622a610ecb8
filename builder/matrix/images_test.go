package matrix

import (
	"path/filepath"
	"strings"
	"testing"
)

func images(m *Matrix) map[string]string {
	out := map[string]string{}
	for _, t := range m.Targets {
		out[t.Name] = t.Image
	}
	return out
}

// TestImagesMirror: images.mirror sends Docker Hub's base images through
// the prefix, images.distros wins over it, and --mirror (UseMirror)
// replaces the file's prefix.
func TestImagesMirror(t *testing.T) {
	m, err := LoadWith(filepath.Join(testdata, "valid", "mirror.yaml"), testDistros)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"debian-bookworm": "gitlab.example.com:443/group/dependency_proxy/containers/library/debian:bookworm",
		"rockylinux-9":    "gitlab.example.com:443/group/dependency_proxy/containers/rockylinux/rockylinux:9",
		"opensuse-15.6":   "registry.example.com/suse/leap:15.6",
	}
	for name, img := range images(m) {
		if img != want[name] {
			t.Errorf("%s: image %s, want %s", name, img, want[name])
		}
	}
	if err := m.UseMirror("127.0.0.1:5000"); err != nil {
		t.Fatal(err)
	}
	got := images(m)
	if got["debian-bookworm"] != "127.0.0.1:5000/library/debian:bookworm" || got["opensuse-15.6"] != want["opensuse-15.6"] {
		t.Errorf("after UseMirror: %v", got)
	}
	if err := m.UseMirror("https://x"); err == nil || !strings.Contains(err.Error(), "leave out the scheme") {
		t.Errorf("UseMirror(https://x) = %v", err)
	}
}

// Without an images block, every target keeps its distro's own image.
func TestImagesDefault(t *testing.T) {
	m, err := parse(t, head+"matrix:\n  distro: [debian:bookworm, rockylinux:9]\n")
	if err != nil {
		t.Fatal(err)
	}
	if got := images(m); got["debian-bookworm"] != "debian:bookworm" || got["rockylinux-9"] != "rockylinux/rockylinux:9" {
		t.Errorf("images %v", got)
	}
}

// images.cache is read as written; without it there is no cache.
func TestImagesCache(t *testing.T) {
	m, err := LoadWith(filepath.Join(testdata, "valid", "cache.yaml"), testDistros)
	if err != nil {
		t.Fatal(err)
	}
	if m.Images.Cache != "127.0.0.1:5000/dbuilder-cache" {
		t.Errorf("images.cache = %q", m.Images.Cache)
	}
	m, err = LoadWith(filepath.Join(testdata, "valid", "mirror.yaml"), testDistros)
	if err != nil || m.Images.Cache != "" {
		t.Errorf("without images.cache: %q, %v", m.Images.Cache, err)
	}
}
