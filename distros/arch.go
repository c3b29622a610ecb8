package distros

import "strings"

// Arch is an architecture a target can be built for, by its Debian name
// (the name the matrix's arch axis uses).
type Arch struct {
	Name    string // Debian: "arm64"
	Machine string // what `uname -m` says in its userland: "aarch64"
	// Repo is Docker's namespace of official images for it ("arm64v8/"):
	// debian:bookworm for arm64 is arm64v8/debian:bookworm.
	Repo string
	// RPM is the rpm name of the architecture ("aarch64").
	RPM string
}

var arches = []Arch{
	{Name: "amd64", Machine: "x86_64", Repo: "amd64/", RPM: "x86_64"},
	{Name: "arm64", Machine: "aarch64", Repo: "arm64v8/", RPM: "aarch64"},
	{Name: "armhf", Machine: "armv7l", Repo: "arm32v7/", RPM: "armv7hl"},
	{Name: "ppc64el", Machine: "ppc64le", Repo: "ppc64le/", RPM: "ppc64le"},
	{Name: "s390x", Machine: "s390x", Repo: "s390x/", RPM: "s390x"},
	{Name: "i386", Machine: "i686", Repo: "i386/", RPM: "i686"},
}

// LookupArch finds an architecture by any of its names (Debian, uname -m,
// rpm, Go's "amd64"/"arm64"), so a daemon's "x86_64" and a matrix's
// "amd64" are the same.
func LookupArch(name string) (Arch, bool) {
	for _, a := range arches {
		if name == a.Name || name == a.Machine || name == a.RPM {
			return a, true
		}
	}
	switch name {
	case "x86-64", "386", "arm", "armv7", "ppc64le", "aarch64":
		return LookupArch(map[string]string{"x86-64": "amd64", "386": "i386", "arm": "armhf", "armv7": "armhf", "ppc64le": "ppc64el", "aarch64": "arm64"}[name])
	}
	return Arch{}, false
}

// ArchNames lists the known architectures.
func ArchNames() []string {
	out := make([]string, len(arches))
	for i, a := range arches {
		out[i] = a.Name
	}
	return out
}

// ImageFor returns the base image of the given architecture for image, an
// image of the native one: Docker's official images have a repository per
// architecture ("debian:bookworm" -> "arm64v8/debian:bookworm"), which is
// also the name scripts/make-images.sh gives the images it makes. Images
// outside the official library (quay.io/centos/centos, rockylinux/rockylinux,
// opensuse/leap) have no such repository: ok is false.
func (a Arch) ImageFor(image string) (string, bool) {
	repo := strings.TrimPrefix(image, "docker.io/")
	repo = strings.TrimPrefix(repo, "library/")
	if strings.Contains(repo, "/") {
		return "", false
	}
	return a.Repo + repo, true
}

// Platform is the architecture's OCI platform, as a pull names it
// ("linux/arm64/v8").
func (a Arch) Platform() string {
	return map[string]string{"amd64": "linux/amd64", "arm64": "linux/arm64/v8", "armhf": "linux/arm/v7",
		"ppc64el": "linux/ppc64le", "s390x": "linux/s390x", "i386": "linux/386"}[a.Name]
}
