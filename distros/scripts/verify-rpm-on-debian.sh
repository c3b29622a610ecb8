#!/bin/sh
# Verifies the .rpm files in $DBUILDER_PKGS for the test-only rpm-on-debian
# family: Debian's rpm installs them into its own (empty) database. Debian
# cannot resolve rpm dependencies, so this proves less than dnf would: the
# payload installs, $DBUILDER_SMOKE (optional) runs, and rpm -e removes
# every file again.
set -eu
me=verify-rpm-on-debian.sh
# shellcheck source-path=SCRIPTDIR source=verify-lib.sh
. "$(dirname "$0")/verify-lib.sh"
pkgs=${DBUILDER_PKGS:?}
export DEBIAN_FRONTEND=noninteractive
echo "$me: apt-get install rpm"
apt-get update -q
apt-get install -y -q --no-install-recommends rpm
names=$(rpm -qp --qf '%{NAME}\n' "$pkgs"/*.rpm | tr '\n' ' ')
listed=$(mktemp)
rpm -qpl "$pkgs"/*.rpm >"$listed"
echo "$me: rpm -i --nodeps $names"
rpm -i --nodeps "$pkgs"/*.rpm
smoke
echo "$me: rpm -e $names"
# shellcheck disable=SC2086 # one word per package name
rpm -e --nodeps $names
# shellcheck disable=SC2086
if rpm -q $names >/dev/null 2>&1; then
	echo "$me: still installed after rpm -e: $names" >&2
	exit 1
fi
gone "$listed" "rpm -e"
echo "$me: installed, smoke-tested and removed cleanly: $names"
