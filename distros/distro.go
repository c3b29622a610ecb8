// Package distros holds the per-family Dockerfile templates and build
// scripts (embedded) and the registry of known distros. It imports nothing
// from builder.
package distros

// Family is a group of distros that share a package format, a package
// manager and a Dockerfile template.
type Family struct {
	Name        string // "debian", "redhat", "suse", "rpm-on-debian"
	Format      string // "deb" or "rpm": which build.deps list applies, which toolchain builds
	Template    string // file under templates/ that renders the builder Dockerfile
	BuildScript string // file under scripts/ run in the build container to build the package
}

// Distro is one buildable distribution release.
type Distro struct {
	Name     string // what matrix.yaml says: "debian:bookworm"
	Family   string // a Family name
	Image    string // base image reference: "debian:bookworm"
	TestOnly bool   // hidden from `plan` listings of known distros; used by dbuilder's own tests
}
