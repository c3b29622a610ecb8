#!/bin/sh
# Verifies the .rpm files in $DBUILDER_PKGS on a clean system of their
# distro: dnf installs them, resolving their dependencies from the distro's
# repositories; $DBUILDER_SMOKE (a script; optional) runs; then they are
# removed and must be gone, files and all.
set -eu
me=verify-dnf.sh
# shellcheck source-path=SCRIPTDIR source=verify-lib.sh
. "$(dirname "$0")/verify-lib.sh"
pkgs=${DBUILDER_PKGS:?}
names=$(rpm -qp --qf '%{NAME}\n' "$pkgs"/*.rpm | tr '\n' ' ')
listed=$(mktemp)
rpm -qpl "$pkgs"/*.rpm >"$listed"
echo "$me: dnf install $names"
dnf install -y "$pkgs"/*.rpm
smoke
echo "$me: dnf remove $names"
# shellcheck disable=SC2086 # one word per package name
dnf remove -y $names
# shellcheck disable=SC2086
if rpm -q $names >/dev/null 2>&1; then
	echo "$me: still installed after remove: $names" >&2
	exit 1
fi
gone "$listed" "remove"
echo "$me: installed, smoke-tested and removed cleanly: $names"
