#!/bin/sh
# Verifies the .rpm files in $DBUILDER_PKGS on a clean system of their
# distro, in the steps of verify-apt.sh: zypper installs them, resolving
# their dependencies from the distro's repositories; $DBUILDER_SMOKE
# (optional) runs; zypper removes them and what they pulled in
# (--clean-deps), and every file must be gone; what is new on the file
# system goes to leftovers-install.txt. With $DBUILDER_PREV (as for
# verify-dnf.sh), zypper installs the earlier versions from that
# repository (its key imported, gpg checks on), upgrades them to the new
# packages, and smoke, remove and leftovers run again.
set -eu
me=verify-zypper.sh
# shellcheck source-path=SCRIPTDIR source=verify-lib.sh
. "$(dirname "$0")/verify-lib.sh"
pkgs=${DBUILDER_PKGS:?}
prev=${DBUILDER_PREV:-}
out=${DBUILDER_OUT:?}
vercmp=rpm
mkdir -p "$out"
names=$(rpm -qp --qf '%{NAME}\n' "$pkgs"/*.rpm | tr '\n' ' ')
newver() {
	rpm -qp --qf '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n' "$pkgs"/*.rpm | awk -v n="$1" '$1 == n { print $2 }'
}
remove() {
	echo "$me: zypper remove --clean-deps $names"
	# shellcheck disable=SC2086 # one word per package name
	zypper --non-interactive remove --clean-deps $names
	# shellcheck disable=SC2086
	if rpm -q $names >/dev/null 2>&1; then
		echo "$me: still installed after remove: $names" >&2
		exit 1
	fi
	gone "$1" "remove"
}
if [ -n "$prev" ]; then
	if [ -f "$prev/KEY.asc" ]; then
		rpm --import "$prev/KEY.asc"
		zypper --non-interactive addrepo --gpgcheck-strict "$prev/repo" dbuilder-previous
	else
		echo "$me: the previous repository is not signed: --no-gpgcheck"
		zypper --non-interactive addrepo --no-gpgcheck "$prev/repo" dbuilder-previous
	fi
	zypper --non-interactive refresh dbuilder-previous
fi
base=$(mktemp)
snapshot "$base"
listed=$(mktemp)
rpm -qpl "$pkgs"/*.rpm >"$listed"

step install
echo "$me: zypper install $names"
# The packages are not signed yet (release signs them afterwards).
zypper --non-interactive install --allow-unsigned-rpm "$pkgs"/*.rpm
step smoke
smoke
step purge
remove "$listed"
step leftovers
leftovers "$base" install
echo "$me: installed, smoke-tested and removed $(cleanly): $names"

[ -n "$prev" ] || exit 0
step install-previous
previous "="
echo "$me: zypper install$want (from the previous repository)"
# shellcheck disable=SC2086 # one word per package
zypper --non-interactive install --oldpackage $want
step upgrade
echo "$me: zypper install $names (upgrade to the new packages)"
zypper --non-interactive install --allow-unsigned-rpm "$pkgs"/*.rpm
upgraded
# shellcheck disable=SC2086 # one word per package name
rpm -ql $names >"$listed"
after_upgrade remove "$listed" "$base"
echo "$me: upgraded from the previous release, smoke-tested and removed $(cleanly):$want"
