package run

import (
	"fmt"
	"strings"

	"github.com/dbuilder/dbuilder/builder/matrix"
	"github.com/dbuilder/dbuilder/distros"
)

// users says who runs each step of a build: the unprivileged build user
// (distros.BuildUser), or root where the matrix asks (build.root,
// test.root).
type users struct{ buildRoot, testRoot bool }

func usersOf(t matrix.Target) users { return users{buildRoot: t.Build.Root, testRoot: t.Test.Root} }

// String names them, for the result key and messages.
func (u users) String() string {
	name := func(root bool) string {
		if root {
			return "root"
		}
		b := distros.BuildUser
		return fmt.Sprintf("%s(%d:%d)", b.Name, b.UID, b.GID)
	}
	return "build=" + name(u.buildRoot) + " test=" + name(u.testRoot)
}

// userFuncs is the part of run.sh that hands the build over to the build
// user; "" when every step runs as root. run.sh starts as root: handover
// gives the user the build root (the source, the output, and whatever the
// kept ccache and work volumes hold from builds as root) and the group of
// the target's daemon socket, so that its tests reach their daemon (the
// socket is on a volume of this target only); asuser runs a command as
// the user, with its HOME. setpriv (util-linux, in every builder image)
// neither uses PAM nor needs a terminal.
const userFuncs = `handover() {
	find @ROOT@ \( ! -user @UID@ -o ! -group @GID@ \) -exec chown -h @UID@:@GID@ {} + || return
	case ${DOCKER_HOST:-} in
	unix://*)
		sock=${DOCKER_HOST#unix://}
		if [ -S "$sock" ]; then chgrp @GID@ "$sock" && chmod g+rw "$sock" || return; fi
		;;
	esac
}
asuser() { setpriv --reuid=@UID@ --regid=@GID@ --clear-groups env HOME=@HOME@ USER=@NAME@ LOGNAME=@NAME@ "$@"; }
`

// setup returns run.sh's user functions and, when the build runs as the
// user, the handover before it.
func (u users) setup(l layout) string {
	if u.buildRoot && u.testRoot {
		return ""
	}
	b := distros.BuildUser
	s := strings.NewReplacer("@ROOT@", l.root(), "@UID@", fmt.Sprint(b.UID), "@GID@", fmt.Sprint(b.GID),
		"@HOME@", b.Home, "@NAME@", b.Name).Replace(userFuncs)
	if !u.buildRoot {
		s += "handover\n"
	}
	return s
}

// as prefixes a step's command: asuser, unless it runs as root. A test as
// the user after a build as root first takes the tree over.
func (u users) as(test bool) string {
	switch {
	case test && u.testRoot, !test && u.buildRoot:
		return ""
	case test && u.buildRoot:
		return "handover && asuser "
	}
	return "asuser "
}
