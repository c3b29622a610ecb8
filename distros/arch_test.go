package distros

import "testing"

func TestArch(t *testing.T) {
	for _, n := range []string{"arm64", "aarch64"} {
		if a, ok := LookupArch(n); !ok || a.Name != "arm64" || a.Machine != "aarch64" {
			t.Errorf("LookupArch(%q) = %+v %v", n, a, ok)
		}
	}
	if a, ok := LookupArch("x86_64"); !ok || a.Name != "amd64" {
		t.Errorf("x86_64: %+v", a)
	}
	if _, ok := LookupArch("mips"); ok {
		t.Error("mips is not known")
	}
	arm, _ := LookupArch("arm64")
	for in, want := range map[string]string{"debian:bookworm": "arm64v8/debian:bookworm", "library/fedora:41": "arm64v8/fedora:41", "docker.io/library/almalinux:9": "arm64v8/almalinux:9"} {
		if got, ok := arm.ImageFor(in); !ok || got != want {
			t.Errorf("ImageFor(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"quay.io/centos/centos:stream9", "rockylinux/rockylinux:9", "opensuse/leap:15.6"} {
		if got, ok := arm.ImageFor(in); ok {
			t.Errorf("ImageFor(%q) = %q, want none", in, got)
		}
	}
}
