// Package distros holds the per-family Dockerfile templates and build
// scripts (embedded) and the registry of known distros. It imports nothing
// from builder.
package distros

// Family is a group of distros that share a package format, a package
// manager and a Dockerfile template.
type Family struct {
	Name        string // "debian", "redhat", "suse", "rpm-on-debian"
	Format      string // a registered Format's name ("deb", "rpm"): the package built and where its metadata is
	Template    string // file under templates/ that renders the builder Dockerfile
	BuildScript string // file under scripts/ run in the build container to build the package
	// VerifyScript, under scripts/, installs the built packages in a clean
	// container of the distro, runs the smoke script and removes them
	// (`dbuilder release`).
	VerifyScript string
	BuildEnv     []string // extra environment for the build script ("RPMBUILD_NODEPS=1")
	// Toolchain is installed first, in a layer every package built on the
	// distro shares; the package's own build dependencies come after.
	Toolchain []string
	// DepsFormat names the build.deps list the image installs, which is also
	// the naming its package manager takes; "" means Format. rpm-on-debian
	// builds rpms but installs Debian packages with apt.
	DepsFormat string
}

// Deps returns which build.deps list (a format's name) the family's images install.
func (f Family) Deps() string {
	if f.DepsFormat != "" {
		return f.DepsFormat
	}
	return f.Format
}

// Distro is one buildable distribution release.
type Distro struct {
	Name     string // what matrix.yaml says: "debian:bookworm"
	Family   string // a Family name
	Image    string // base image reference: "debian:bookworm"
	TestOnly bool   // hidden from `plan` listings of known distros; used by dbuilder's own tests
	// Repos are repositories enabled in the image before anything is
	// installed: on EL most -devel packages live in "crb" ("powertools" on 8).
	Repos []string
	// Tools are release-specific toolchain packages added to the family's:
	// `dnf builddep` comes from dnf-plugins-core with dnf4 but from
	// dnf5-plugins on Fedora 41+.
	Tools []string
}
