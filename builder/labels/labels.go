// Package labels names the labels dbuilder puts on everything it creates, so
// that every container, volume and image can be found and removed later,
// even after a crash. The prefix is dbuilder's alone. Package ident makes
// the label sets.
package labels

// Prefix is the namespace of every dbuilder label.
const Prefix = "io.dbuilder."

// Label keys.
const (
	Managed = Prefix + "managed" // "true" on everything dbuilder creates
	Run     = Prefix + "run"     // run id
	Target  = Prefix + "target"  // target name
	Role    = Prefix + "role"    // one of the Role* values
	Matrix  = Prefix + "matrix"  // matrix name
	Version = Prefix + "version" // dbuilder version that created it
	Inputs  = Prefix + "inputs"  // hash of what a builder image was built from
	Cache   = Prefix + "cache"   // cache volume a sidecar holds
	Owner   = Prefix + "owner"   // the process that owns a run (anchors; see lifecycle.Owner)
	Bases   = Prefix + "bases"   // IDs of the images a builder image was built FROM
	Distro  = Prefix + "distro"  // the distro a builder image is for
)

// The owner of a run, one label a field so nothing is parsed out of a
// string (see lifecycle.Owner).
const (
	OwnerBoot  = Owner + ".boot"
	OwnerPIDNS = Owner + ".pidns"
	OwnerPID   = Owner + ".pid"
	OwnerStart = Owner + ".start"
)

// SetupPrefix is the namespace of the labels scripts/make-images.sh puts on
// the images it makes (base images, the example's database image). They
// are the machine's, not dbuilder's resources: gc never looks at them.
// The script cannot import these constants; a test checks it writes them.
const SetupPrefix = "org.dbuilder."

// Setup label keys.
const (
	SetupArch    = SetupPrefix + "arch"    // a base image's architecture (Debian's name); doctor probes emulation with it
	SetupSuite   = SetupPrefix + "suite"   // a base image's Debian suite
	SetupMadeBy  = SetupPrefix + "made-by" // the script that made the image
	SetupContext = SetupPrefix + "context" // hash of an image's build context, to skip rebuilding it
)

// Roles.
const (
	RoleSidecar      = "sidecar"
	RoleBuild        = "build"
	RoleSocket       = "socket"
	RoleCache        = "cache"  // a sidecar's data root (kept)
	RoleCCache       = "ccache" // a target's compiler cache (kept)
	RoleWork         = "work"   // a target's kept built tree, --incremental (kept)
	RoleAnchor       = "anchor"
	RoleBuilder      = "builder-image"
	RoleSidecarImage = "sidecar-image"
	RoleReleaseTools = "release-tools-image"
	RoleTestRunner   = "test-runner-image" // autopkgtest's runner
	RoleTestbed      = "testbed-image"     // a distro's DEP-8 testbed
	// RolePackageTest is a container of the package tests (the autopkgtest
	// runner, the install test; the testbeds in the target's daemon); it
	// carries the run id and goes with the run.
	RolePackageTest = "package-test"
	// RoleRelease is a container of `dbuilder release` (verify, lint,
	// compare, repositories); it carries the run id and goes with the run.
	RoleRelease = "release"
	// Helpers that live for seconds; gc leaves young ones alone (see Ephemeral).
	RoleProbe         = "probe"
	RoleInspector     = "cache-inspector"
	RoleCgroupCleaner = "cgroup-cleaner"
)

// Ephemeral reports whether role is a short-lived helper container. When
// commands without a run anchor (doctor, cache ls, gc itself) start them,
// gc judges them by age instead of by liveness.
func Ephemeral(role string) bool {
	return role == RoleProbe || role == RoleInspector || role == RoleCgroupCleaner
}

// Kept reports whether role is a volume kept between runs on purpose.
func Kept(role string) bool { return role == RoleCache || role == RoleCCache || role == RoleWork }
