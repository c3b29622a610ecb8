package distros

// User is an account in the builder image.
type User struct {
	Name     string
	UID, GID int
	Home     string
}

// BuildUser is the unprivileged user builds and tests run as unless the
// matrix asks for root (build.root, test.root), as sbuild and mock build.
// Every builder image has it (common.tmpl's footer); the build container
// starts as root, and dbuilder's run script gives this user the build root
// and the target's daemon socket, then drops to it with setpriv
// (util-linux). It is the same on every distro, so kept volumes (ccache,
// the incremental tree) have one owner. 2000 is above the ids distros give
// system users and the first login user (1000; the ubuntu image has one).
var BuildUser = User{Name: "dbuilder", UID: 2000, GID: 2000, Home: "/home/dbuilder"}
