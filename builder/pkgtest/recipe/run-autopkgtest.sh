#!/bin/sh
# run-autopkgtest.sh: runs in dbuilder's autopkgtest runner container, in
# the target's sidecar network namespace with DOCKER_HOST at the target's
# daemon. autopkgtest tests the .deb files in /dbuilder/debs against the
# source tree /dbuilder/src; its testbed is a container of $TESTBED in the
# target's daemon, on that daemon's host network (the sidecar's), with the
# daemon's socket and DOCKER_HOST (the image's /etc/environment), so tests
# reach the target's daemon as the build's tests do. Its exit code is
# autopkgtest's; its output directory is /dbuilder/out.
set -eu
: "${TESTBED:?}" "${TESTBED_LABEL:?}" "${APT_VOLUME:?}" "${SOCKET_DIR:?}"
cd /dbuilder
set -- debs/*.deb
[ -e "$1" ] || { echo "run-autopkgtest.sh: the build made no .deb files" >&2; exit 20; }
# --stop-signal=KILL: the testbed's PID 1 is "sleep infinity", which would
# otherwise hold every revert for docker stop's 10 s grace.
set -- "$@" src/ -- dbuilder "$TESTBED" \
	--network=host --stop-signal=KILL \
	--label "$TESTBED_LABEL" \
	-v "$SOCKET_DIR:$SOCKET_DIR" \
	-v "$APT_VOLUME:/var/cache/apt/archives"
if [ -n "${PLATFORM:-}" ]; then
	set -- "$@" --platform "$PLATFORM"
fi
rc=0
autopkgtest --output-dir out "$@" || rc=$?
# out/binaries holds the tested packages again; they are published already.
rm -rf out/binaries
exit "$rc"
