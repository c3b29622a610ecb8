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
