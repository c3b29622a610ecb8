#!/bin/sh
# Verifies the .rpm files in $DBUILDER_PKGS on a clean system of their
# distro, in the steps of verify-apt.sh: dnf installs them, resolving their
# dependencies from the distro's repositories; $DBUILDER_SMOKE (optional)
# runs; dnf removes them and what they pulled in, and every file must be
# gone; what is new on the file system goes to leftovers-install.txt.
# With $DBUILDER_PREV (an earlier release's repository in repo/, its
# repodata and the rpms of pkgs.txt: "NAME EVR FILE" a line; KEY.asc when
# signed), dnf installs those versions from it (gpgcheck and
# repo_gpgcheck on), upgrades them to the new packages, and smoke, remove
# and leftovers run again (leftovers-upgrade.txt, upgraded.txt).
set -eu
me=verify-dnf.sh
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
	echo "$me: dnf remove $names"
	# shellcheck disable=SC2086 # one word per package name
	dnf remove -y $names
	# shellcheck disable=SC2086
	if rpm -q $names >/dev/null 2>&1; then
		echo "$me: still installed after remove: $names" >&2
		exit 1
	fi
	gone "$1" "remove"
}
if [ -n "$prev" ]; then
	if [ -f "$prev/KEY.asc" ]; then
		check="gpgcheck=1
repo_gpgcheck=1
gpgkey=file://$prev/KEY.asc"
	else
		echo "$me: the previous repository is not signed: gpgcheck=0"
		check="gpgcheck=0"
	fi
	cat >/etc/yum.repos.d/dbuilder-previous.repo <<-REPO
		[dbuilder-previous]
		name=dbuilder previous release
		baseurl=file://$prev/repo
		enabled=1
		$check
	REPO
	dnf -y makecache
fi
base=$(mktemp)
snapshot "$base"
listed=$(mktemp)
rpm -qpl "$pkgs"/*.rpm >"$listed"

step install
echo "$me: dnf install $names"
dnf install -y "$pkgs"/*.rpm
step smoke
smoke
step purge
remove "$listed"
step leftovers
leftovers "$base" install
echo "$me: installed, smoke-tested and removed $(cleanly): $names"

[ -n "$prev" ] || exit 0
step install-previous
previous "-"
echo "$me: dnf install$want (from the previous repository)"
# shellcheck disable=SC2086 # one word per package
dnf install -y $want
step upgrade
echo "$me: dnf upgrade $names (to the new packages)"
dnf upgrade -y "$pkgs"/*.rpm
upgraded
# shellcheck disable=SC2086 # one word per package name
rpm -ql $names >"$listed"
after_upgrade remove "$listed" "$base"
echo "$me: upgraded from the previous release, smoke-tested and removed $(cleanly):$want"
