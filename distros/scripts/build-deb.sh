#!/bin/sh
# Builds the binary packages of the Debian source tree in /build/src and
# leaves them in /build/out. Env: PARALLEL, the number of jobs (default 1).
set -eu
me=build-deb.sh
root=${DBUILDER_ROOT:-/build} # dbuilder's own tests point it elsewhere
src=$root/src
out=$root/out
jobs=${PARALLEL:-1}
case $jobs in
'' | *[!0-9]* | 0*)
	echo "$me: PARALLEL must be a positive number, not '$jobs'" >&2
	exit 2
	;;
esac
mkdir -p "$out"

# Tests run (no nocheck); options the caller set are kept.
DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:+$DEB_BUILD_OPTIONS }parallel=$jobs"
export DEB_BUILD_OPTIONS

cd "$src"
# Quilt patches stay applied: test.command runs in this tree afterwards.
# (Other formats have no such option and would warn.)
keep=
if grep -qx '3.0 (quilt)' debian/source/format 2>/dev/null; then
	keep=--source-option=--no-unapply-patches
fi
# -b builds binaries only, so "3.0 (quilt)" needs no orig tarball; -us -uc: unsigned.
dpkg-buildpackage -b -us -uc ${keep:+"$keep"}

# dpkg-buildpackage writes next to the tree; Ubuntu puts debug symbols in .ddeb.
n=0
for f in ../*.deb ../*.ddeb ../*.udeb ../*.buildinfo ../*.changes; do
	[ -e "$f" ] || continue
	mv "$f" "$out/"
	case $f in *deb) n=$((n + 1)) ;; esac
done
if [ "$n" -eq 0 ]; then
	echo "$me: dpkg-buildpackage succeeded but left no .deb next to $src" >&2
	exit 1
fi
echo "$me: $n package(s) in $out"
