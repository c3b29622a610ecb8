package distros

import (
	"sort"
	"strings"
)

// families and distros are the one place a family or distro is added.
var families = map[string]Family{
	"debian": {
		Name: "debian", Format: "deb", Template: "deb.Dockerfile.tmpl", BuildScript: "build-deb.sh", VerifyScript: "verify-apt.sh",
		// ccache: build-deb.sh compiles through it when CCACHE_DIR is set.
		Toolchain: []string{"build-essential", "ca-certificates", "ccache", "debhelper", "dpkg-dev", "fakeroot"},
	},
	"redhat": {
		Name: "redhat", Format: "rpm", Template: "dnf.Dockerfile.tmpl", BuildScript: "build-rpm.sh", VerifyScript: "verify-dnf.sh",
		// findutils: build-rpm.sh collects the rpms with find; minimal images lack it.
		// No ccache: EL has it only in EPEL; Fedora adds it in its Tools.
		// util-linux: setpriv, to build as the build user (minimal images
		// have only util-linux-core).
		Toolchain: []string{"findutils", "gcc", "gzip", "make", "rpm-build", "rpmdevtools", "tar", "util-linux"},
	},
	"suse": {
		Name: "suse", Format: "rpm", Template: "zypper.Dockerfile.tmpl", BuildScript: "build-rpm.sh", VerifyScript: "verify-zypper.sh",
		// ccache: Leap's OSS repository; util-linux: setpriv (see redhat).
		Toolchain: []string{"ccache", "findutils", "gcc", "gzip", "make", "rpm-build", "tar", "util-linux"},
	},
	// Test-only: real .rpm files from Debian's rpmbuild where no rpm mirror
	// is reachable. Debian cannot resolve BuildRequires, so the image gets
	// build.deps.deb and the build runs `rpmbuild --nodeps`.
	"rpm-on-debian": {
		Name: "rpm-on-debian", Format: "rpm", DepsFormat: "deb",
		Template: "rpm-on-debian.Dockerfile.tmpl", BuildScript: "build-rpm.sh", BuildEnv: []string{"RPMBUILD_NODEPS=1"},
		VerifyScript: "verify-rpm-on-debian.sh",
		Toolchain:    []string{"build-essential", "ca-certificates", "ccache", "rpm"},
	},
}

var (
	dnf4 = []string{"dnf-plugins-core"} // builddep and config-manager for dnf4
	// Fedora's own repositories have ccache (EL has it only in EPEL); with
	// dnf5-plugins for builddep on Fedora 41+.
	fedoraDNF4 = []string{"ccache", "dnf-plugins-core"}
	fedoraDNF5 = []string{"ccache", "dnf5-plugins"}
)

var distros = []Distro{
	{Name: "debian:bullseye", Family: "debian", Image: "debian:bullseye"},
	{Name: "debian:bookworm", Family: "debian", Image: "debian:bookworm"},
	{Name: "debian:trixie", Family: "debian", Image: "debian:trixie"},
	{Name: "ubuntu:22.04", Family: "debian", Image: "ubuntu:22.04"},
	{Name: "ubuntu:24.04", Family: "debian", Image: "ubuntu:24.04"},
	{Name: "fedora:40", Family: "redhat", Image: "fedora:40", Tools: fedoraDNF4},
	{Name: "fedora:41", Family: "redhat", Image: "fedora:41", Tools: fedoraDNF5},
	{Name: "fedora:42", Family: "redhat", Image: "fedora:42", Tools: fedoraDNF5},
	{Name: "centos:stream9", Family: "redhat", Image: "quay.io/centos/centos:stream9", Tools: dnf4, Repos: []string{"crb"}},
	// The Rocky project's own images; Docker Hub's library/rockylinux lags behind.
	{Name: "rockylinux:8", Family: "redhat", Image: "rockylinux/rockylinux:8", Tools: dnf4, Repos: []string{"powertools"}},
	{Name: "rockylinux:9", Family: "redhat", Image: "rockylinux/rockylinux:9", Tools: dnf4, Repos: []string{"crb"}},
	{Name: "almalinux:9", Family: "redhat", Image: "almalinux:9", Tools: dnf4, Repos: []string{"crb"}},
	{Name: "opensuse:15.6", Family: "suse", Image: "opensuse/leap:15.6"},
	{Name: "debian-rpm:bookworm", Family: "rpm-on-debian", Image: "debian:bookworm", TestOnly: true},
}

// Lookup finds a distro by its matrix name ("debian:bookworm") and its family.
func Lookup(name string) (Distro, Family, bool) {
	for _, d := range distros {
		if d.Name == name {
			return d, families[d.Family], true
		}
	}
	return Distro{}, Family{}, false
}

// FamilyOf returns the family of the distro called name.
func FamilyOf(name string) (Family, bool) {
	_, f, ok := Lookup(name)
	return f, ok
}

// All returns every distro, test-only ones included, sorted by name.
func All() []Distro {
	out := append([]Distro(nil), distros...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Names returns the names of the distros users may pick (no test-only ones), sorted.
func Names() []string {
	var out []string
	for _, d := range All() {
		if !d.TestOnly {
			out = append(out, d.Name)
		}
	}
	return out
}

// Bases returns the distinct distro bases ("fedora", "rockylinux") of a
// family, in registry order, for messages such as "drop the fedora targets".
func Bases(family string) []string {
	var out []string
	seen := map[string]bool{}
	for _, d := range distros {
		base, _, _ := strings.Cut(d.Name, ":")
		if d.Family == family && !seen[base] {
			seen[base] = true
			out = append(out, base)
		}
	}
	return out
}
