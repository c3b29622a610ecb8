#!/bin/sh
# Verifies the .rpm files in $DBUILDER_PKGS on a clean system of their
# distro: zypper installs them, resolving their dependencies from the
# distro's repositories; $DBUILDER_SMOKE (a script; optional) runs; then
# they are removed and must be gone, files and all.
set -eu
me=verify-zypper.sh
pkgs=${DBUILDER_PKGS:?}
names=$(rpm -qp --qf '%{NAME}\n' "$pkgs"/*.rpm | tr '\n' ' ')
listed=$(mktemp)
rpm -qpl "$pkgs"/*.rpm >"$listed"
echo "$me: zypper install $names"
# The packages are not signed yet (release signs them afterwards).
zypper --non-interactive install --allow-unsigned-rpm "$pkgs"/*.rpm
if [ -s "${DBUILDER_SMOKE:-}" ]; then
	echo "$me: smoke"
	(cd / && sh -e "$DBUILDER_SMOKE")
fi
echo "$me: zypper remove $names"
# shellcheck disable=SC2086 # one word per package name
zypper --non-interactive remove $names
# shellcheck disable=SC2086
if rpm -q $names >/dev/null 2>&1; then
	echo "$me: still installed after remove: $names" >&2
	exit 1
fi
left=0
while IFS= read -r p; do
	if [ -f "$p" ] || [ -L "$p" ]; then
		echo "$me: $p is still there after remove" >&2
		left=1
	fi
done <"$listed"
[ "$left" -eq 0 ]
echo "$me: installed, smoke-tested and removed cleanly: $names"
