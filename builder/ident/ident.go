// Package ident owns identity: a run's id and version, and from them every
// resource name and label dbuilder puts on the daemon. Names are made from
// values here and never parsed back; labels carry the raw values.
package ident

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"github.com/dbuilder/dbuilder/builder/labels"
)

// Run is one dbuilder process's identity on a daemon.
type Run struct {
	ID      string // short random id; "" for resources that outlive runs
	Version string // dbuilder's version
}

// NewRun returns a run with a fresh random id.
func NewRun(version string) Run {
	b := make([]byte, 4)
	rand.Read(b)
	return Run{ID: hex.EncodeToString(b), Version: version}
}

// Kept returns the identity for resources that outlive any run (cache
// volumes, builder images): the version but no run id.
func Kept(version string) Run { return Run{Version: version} }

// Target names what belongs to one target of one matrix across runs.
type Target struct {
	Matrix string // the matrix's name, as written
	Name   string // the target's name, as expanded
	Cache  string // cache volume: the inner daemon's data root, kept between runs
	Lock   string // name of the sidecar container: the daemon refuses a second one, which locks Cache
	CCache string // compiler cache volume, kept between runs
	Work   string // volume keeping the built tree of --incremental builds
	// WorkLock names the build container of an --incremental build: one
	// build at a time may use Work.
	WorkLock string
}

// ForTarget derives a target's names. Every name is a legal Docker name
// whatever the matrix and target names hold, and different (matrix,
// target) pairs never share one.
func ForTarget(matrix, target string) Target {
	return Target{
		Matrix: matrix, Name: target,
		Cache:    DockerName("dbuilder-cache", matrix, target),
		Lock:     DockerName("dbuilder-lock", matrix, target),
		CCache:   DockerName("dbuilder-ccache", matrix, target),
		Work:     DockerName("dbuilder-work", matrix, target),
		WorkLock: DockerName("dbuilder-worklock", matrix, target),
	}
}

// BuilderRepo is the repository of builder images for a distro ("debian:bookworm")
// and, when foreign, an architecture: not per target or matrix, so targets
// and packages whose builder Dockerfiles are the same share one image (the
// tag is a hash of its content).
func BuilderRepo(distro, foreignArch string) string {
	return imageNamespace + "builder-" + BuilderName(distro, foreignArch)
}

// BuilderName names a distro's builder images ("debian-bookworm", and
// "debian-bookworm-arm64" for a foreign architecture's) in image names
// and CI job names.
func BuilderName(distro, foreignArch string) string {
	name := distro
	if foreignArch != "" {
		name += "-" + foreignArch
	}
	return strings.ToLower(DockerName(name))
}

// BuilderCacheTag is the tag of a builder image in a cache registry, where
// every distro and architecture shares one repository: the distro, the
// architecture when foreign, and hash, the image's input hash.
func BuilderCacheTag(distro, foreignArch, hash string) string {
	return "builder-" + BuilderName(distro, foreignArch) + "-" + hash
}

// imageNamespace holds every image dbuilder makes itself.
const imageNamespace = "dbuilder/"

// SidecarImage is the tag of dbuilder's own sidecar image for a version;
// recipe, a short hash of the recipe it is built from, tells development
// builds of one version apart ("" leaves it out).
func SidecarImage(version, recipe string) string {
	if recipe == "" {
		return imageNamespace + "dind:" + version
	}
	return imageNamespace + "dind:" + version + "-" + recipe
}

// ReleaseToolsImage is the tag of the release tools image for a version.
func ReleaseToolsImage(version string) string { return imageNamespace + "release-tools:" + version }

// TestRunnerImage is the tag of dbuilder's autopkgtest runner image for a
// version (its recipe's hash is a label, as for the release tools).
func TestRunnerImage(version string) string { return imageNamespace + "autopkgtest:" + version }

// TestbedRepo is the repository of a distro's DEP-8 testbed images; the
// tag is the hash of what the image is made from.
func TestbedRepo(distro, foreignArch string) string {
	name := distro
	if foreignArch != "" {
		name += "-" + foreignArch
	}
	return imageNamespace + "testbed-" + strings.ToLower(DockerName(name))
}

// BuilderImageLabels are the labels a builder image's Dockerfile gives it:
// no run or version, so that the same Dockerfile is the same image
// whichever dbuilder renders it.
func BuilderImageLabels(distro string) map[string]string {
	return map[string]string{labels.Managed: "true", labels.Role: labels.RoleBuilder, labels.Distro: distro}
}

// Anchor is the name of the run's anchor container.
func (r Run) Anchor() string { return DockerName("dbuilder-run", r.ID) }

// Socket is the per-run volume holding t's inner daemon socket.
func (r Run) Socket(t Target) string { return DockerName("dbuilder-sock", r.ID, t.Matrix, t.Name) }

// Build is the name of t's build container in this run.
func (r Run) Build(t Target) string { return DockerName("dbuilder-build", r.ID, t.Matrix, t.Name) }

// Labels returns the labels of a resource of role; t may be the zero
// Target for run-wide resources (anchor, probes).
func (r Run) Labels(role string, t Target) map[string]string {
	m := map[string]string{labels.Managed: "true", labels.Role: role, labels.Version: r.Version}
	if r.ID != "" {
		m[labels.Run] = r.ID
	}
	if t.Matrix != "" {
		m[labels.Matrix] = t.Matrix
	}
	if t.Name != "" {
		m[labels.Target] = t.Name
	}
	return m
}

// maxReadable bounds the readable part of a generated name.
const maxReadable = 80

// DockerName joins parts into a name the daemon accepts for containers and
// volumes ([a-zA-Z0-9][a-zA-Z0-9_.-]*). Characters outside that set become
// '-'. A short hash of the exact parts follows the first one whenever more
// than one part is given, so that two different tuples ("a-b","c" and
// "a","b-c"; "libsigc++" and "libsigc--") never give the same name.
func DockerName(parts ...string) string {
	var b strings.Builder
	for i, p := range parts {
		if i > 0 {
			b.WriteByte('-')
		}
		for _, r := range p {
			if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '.' || r == '-') {
				b.WriteRune(r)
			} else {
				b.WriteByte('-')
			}
		}
	}
	s := b.String()
	if len(s) > maxReadable {
		s = s[:maxReadable]
	}
	if len(parts) > 1 {
		h := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
		s += "-" + hex.EncodeToString(h[:4])
	}
	// The first character must be alphanumeric.
	if s == "" || !isAlnum(s[0]) {
		s = "x" + s
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
