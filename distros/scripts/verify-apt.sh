#!/bin/sh
# Verifies the .deb files in $DBUILDER_PKGS on a clean system of their
# distro, step by step (a failure names its step, see verify-lib.sh):
#   install    apt installs them, resolving their dependencies from the
#              distro's archive
#   smoke      $DBUILDER_SMOKE (a script; optional) runs
#   purge      apt purges them and what they pulled in: dpkg must not know
#              them, and every file they installed must be gone
#   leftovers  what is on the file system now but was not before install
#              goes to $DBUILDER_OUT/leftovers-install.txt
# With $DBUILDER_PREV, an earlier release's repository (repo/ with its
# dists/SUITE, $DBUILDER_PREV_SUITE, and the pool files of pkgs.txt:
# "NAME VERSION FILE" a line; KEY.asc when it is signed), then again:
#   install-previous  apt installs those versions from that repository
#                     (signed-by its key), each one older than the new one
#   upgrade           apt upgrades them to the packages in $DBUILDER_PKGS
#   smoke-after-upgrade, purge-after-upgrade, leftovers-after-upgrade
#                     (leftovers-upgrade.txt)
# and $DBUILDER_OUT/upgraded.txt says "NAME OLD NEW" for each upgrade made.
set -eu
me=verify-apt.sh
# shellcheck source-path=SCRIPTDIR source=verify-lib.sh
. "$(dirname "$0")/verify-lib.sh"
pkgs=${DBUILDER_PKGS:?}
prev=${DBUILDER_PREV:-}
out=${DBUILDER_OUT:?}
vercmp=deb
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$out"
names=
for f in "$pkgs"/*.deb; do
	names="$names $(dpkg-deb -f "$f" Package)"
done
# newver NAME: the version of NAME in $DBUILDER_PKGS.
newver() {
	for f in "$pkgs"/*.deb; do
		if [ "$(dpkg-deb -f "$f" Package)" = "$1" ]; then
			dpkg-deb -f "$f" Version
			return
		fi
	done
}
# purge: purges the packages and what they pulled in, then checks that
# dpkg no longer knows them and that the files listed in $1 are gone.
purge() {
	echo "$me: apt-get purge --autoremove$names"
	# shellcheck disable=SC2086 # one word per package name
	apt-get purge -y -q --autoremove $names
	for n in $names; do
		st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$n" 2>/dev/null || true)
		case $st in '' | 'un '*) ;; *)
			echo "$me: $n is still known to dpkg after purge (status '$st')" >&2
			exit 1
			;;
		esac
	done
	gone "$1" "purge"
}
# listing FILE: the files the installed packages hold.
listing() {
	: >"$1"
	for n in $names; do
		dpkg-query -L "$n" >>"$1"
	done
}

if [ -n "$prev" ]; then
	key=trusted=yes
	if [ -f "$prev/KEY.asc" ]; then
		key=signed-by=$prev/KEY.asc
	else
		echo "$me: the previous repository is not signed: trusted=yes"
	fi
	echo "deb [$key] file:$prev/repo ${DBUILDER_PREV_SUITE:?} main" >/etc/apt/sources.list.d/dbuilder-previous.list
fi
echo "$me: apt-get update"
apt-get update -q
base=$(mktemp)
snapshot "$base"
listed=$(mktemp)

step install
echo "$me: apt-get install$names"
# ./path makes apt take files, not names from the archive.
apt-get install -y -q "$pkgs"/*.deb
listing "$listed"
step smoke
smoke
step purge
purge "$listed"
step leftovers
leftovers "$base" install
echo "$me: installed, smoke-tested and purged $(cleanly):$names"

[ -n "$prev" ] || exit 0
step install-previous
previous "="
echo "$me: apt-get install$want (from the previous repository)"
# shellcheck disable=SC2086 # one word per package
apt-get install -y -q $want
step upgrade
echo "$me: apt-get install$names (upgrade to the new packages)"
apt-get install -y -q "$pkgs"/*.deb
upgraded
listing "$listed"
after_upgrade purge "$listed" "$base"
echo "$me: upgraded from the previous release, smoke-tested and purged $(cleanly):$want"
