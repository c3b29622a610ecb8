#!/bin/sh
# Verifies the .rpm files in $DBUILDER_PKGS for the test-only rpm-on-debian
# family: Debian's rpm installs them into its own (empty) database. Debian
# cannot resolve rpm dependencies, so this proves less than dnf would: the
# payload installs, $DBUILDER_SMOKE (optional) runs, and rpm -e removes
# every file again. The steps are those of verify-apt.sh (install, smoke,
# purge, leftovers; with $DBUILDER_PREV, install-previous and upgrade:
# rpm -i of the earlier rpms, their signatures checked with rpm -K against
# the previous repository's KEY.asc, then rpm -U to the new ones).
set -eu
me=verify-rpm-on-debian.sh
# shellcheck source-path=SCRIPTDIR source=verify-lib.sh
. "$(dirname "$0")/verify-lib.sh"
pkgs=${DBUILDER_PKGS:?}
prev=${DBUILDER_PREV:-}
out=${DBUILDER_OUT:?}
vercmp=rpm
export DEBIAN_FRONTEND=noninteractive
mkdir -p "$out"
echo "$me: apt-get install rpm"
apt-get update -q
apt-get install -y -q --no-install-recommends rpm
# On an rpm distro the filesystem package owns the directories packages
# put their files in; Debian lacks this one (%license), and rpm -e would
# leave the one it made.
mkdir -p /usr/share/licenses
names=$(rpm -qp --qf '%{NAME}\n' "$pkgs"/*.rpm | tr '\n' ' ')
# newver NAME: the [EPOCH:]VERSION-RELEASE of NAME in $DBUILDER_PKGS.
newver() {
	rpm -qp --qf '%{NAME} %|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}\n' "$pkgs"/*.rpm | awk -v n="$1" '$1 == n { print $2 }'
}
# remove LIST: rpm -e, then nothing of the packages may be left.
remove() {
	echo "$me: rpm -e $names"
	# shellcheck disable=SC2086 # one word per package name
	rpm -e --nodeps $names
	# shellcheck disable=SC2086
	if rpm -q $names >/dev/null 2>&1; then
		echo "$me: still installed after rpm -e: $names" >&2
		exit 1
	fi
	gone "$1" "rpm -e"
}
base=$(mktemp)
snapshot "$base"
listed=$(mktemp)
rpm -qpl "$pkgs"/*.rpm >"$listed"

step install
echo "$me: rpm -i --nodeps $names"
rpm -i --nodeps "$pkgs"/*.rpm
step smoke
smoke
step purge
remove "$listed"
step leftovers
leftovers "$base" install
echo "$me: installed, smoke-tested and removed $(cleanly): $names"

[ -n "$prev" ] || exit 0
step install-previous
if [ -f "$prev/KEY.asc" ]; then
	rpm --import "$prev/KEY.asc"
fi
files=
while read -r name version file; do
	new=$(newver "$name")
	if ! older "$version" "$new"; then
		echo "$me: $name $version in the previous repository is not older than $new: no upgrade from it"
		continue
	fi
	if [ -f "$prev/KEY.asc" ]; then
		# The repository's signature on the earlier package, as dnf's gpgcheck would.
		rpm -K "$prev/repo/$file"
		rpm -K "$prev/repo/$file" | grep -q 'signatures OK' || {
			echo "$me: $file is not signed with the previous repository's key" >&2
			exit 1
		}
	fi
	files="$files $prev/repo/$file"
	echo "$name $version $new" >>"$out/upgraded.txt"
done <"$prev/pkgs.txt"
if [ -z "$files" ]; then
	echo "$me: nothing in the previous repository to upgrade from"
	exit 0
fi
echo "$me: rpm -i --nodeps$files (from the previous repository)"
# shellcheck disable=SC2086 # one word per file
rpm -i --nodeps $files
step upgrade
echo "$me: rpm -U --nodeps $names (upgrade to the new packages)"
rpm -U --nodeps "$pkgs"/*.rpm
upgraded
# shellcheck disable=SC2086 # one word per package name
rpm -ql $names >"$listed"
after_upgrade remove "$listed" "$base"
echo "$me: upgraded from the previous release, smoke-tested and removed $(cleanly): $names"
