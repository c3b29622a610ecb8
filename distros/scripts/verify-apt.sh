#!/bin/sh
# Verifies the .deb files in $DBUILDER_PKGS on a clean system of their
# distro: apt installs them, resolving their dependencies from the distro's
# archive; $DBUILDER_SMOKE (a script; optional) runs; then they are purged
# and must be gone, files and all.
set -eu
me=verify-apt.sh
# shellcheck source-path=SCRIPTDIR source=verify-lib.sh
. "$(dirname "$0")/verify-lib.sh"
pkgs=${DBUILDER_PKGS:?}
export DEBIAN_FRONTEND=noninteractive
names=
for f in "$pkgs"/*.deb; do
	names="$names $(dpkg-deb -f "$f" Package)"
done
echo "$me: apt-get update"
apt-get update -q
echo "$me: apt-get install$names"
# ./path makes apt take files, not names from the archive.
apt-get install -y -q "$pkgs"/*.deb
listed=$(mktemp)
for n in $names; do
	dpkg-query -L "$n" >>"$listed"
done
smoke
echo "$me: apt-get purge$names"
# shellcheck disable=SC2086 # one word per package name
apt-get purge -y -q $names
for n in $names; do
	st=$(dpkg-query -W -f='${db:Status-Abbrev}' "$n" 2>/dev/null || true)
	case $st in '' | 'un '*) ;; *)
		echo "$me: $n is still known to dpkg after purge (status '$st')" >&2
		exit 1
		;;
	esac
done
gone "$listed" "purge"
echo "$me: installed, smoke-tested and purged cleanly:$names"
