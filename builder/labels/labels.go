// Package labels names the labels dbuilder puts on everything it creates, so
// that every container, volume and image can be found and removed later,
// even after a crash. The prefix is dbuilder's alone.
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
)

// Roles.
const (
	RoleSidecar      = "sidecar"
	RoleBuild        = "build"
	RoleSocket       = "socket"
	RoleCache        = "cache"
	RoleAnchor       = "anchor"
	RoleBuilder      = "builder-image"
	RoleSidecarImage = "sidecar-image"
	// Helpers that live for seconds; gc leaves young ones alone (see Ephemeral).
	RoleProbe         = "probe"
	RoleInspector     = "cache-inspector"
	RoleCgroupCleaner = "cgroup-cleaner"
)

// Ephemeral reports whether role is a short-lived helper container. Such
// helpers are started by commands that have no run anchor (doctor, cache
// ls, gc itself), so gc judges them by age instead of by liveness.
func Ephemeral(role string) bool {
	return role == RoleProbe || role == RoleInspector || role == RoleCgroupCleaner
}

// For returns the labels of a resource of role in run for target.
func For(run, matrix, target, role, version string) map[string]string {
	m := map[string]string{Managed: "true", Role: role, Version: version}
	if run != "" {
		m[Run] = run
	}
	if matrix != "" {
		m[Matrix] = matrix
	}
	if target != "" {
		m[Target] = target
	}
	return m
}
