#!/bin/sh
# Builds the Debian source package (.dsc and its tarballs) of the tree in
# $DBUILDER_SRC into $DBUILDER_OUT, once per release, with dpkg-source -b
# (release tools container: no build dependencies needed, nothing of the
# package runs). Unsigned: the repository step signs the .dsc with the
# release's key.
#
# The same tree must give the same bytes, release after release (a second
# release of one version with other bytes is refused): every file's time
# is set to the changelog's (SOURCE_DATE_EPOCH), and dpkg-source sorts and
# normalises owners. A "3.0 (quilt)" tree with no upstream tarball gets one
# made from the tree without debian/, the same way.
set -eu
me=source-deb.sh
src=${DBUILDER_SRC:?}
out=${DBUILDER_OUT:?}
work=${DBUILDER_WORK:-$(mktemp -d)}
src=$(cd "$src" && pwd)
cd "$src"
name=$(dpkg-parsechangelog -SSource)
version=$(dpkg-parsechangelog -SVersion)
SOURCE_DATE_EPOCH=$(dpkg-parsechangelog -STimestamp)
export SOURCE_DATE_EPOCH
upstream=${version#*:}
case $upstream in *-*) upstream=${upstream%-*} ;; esac
format=1.0
if [ -f debian/source/format ]; then
	format=$(cat debian/source/format)
fi
tree=$work/$name-$upstream
mkdir -p "$work" "$out"
rm -rf "$tree"
cp -a "$src" "$tree"
rm -rf "$tree/.git" "$tree/.pc"
find "$tree" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
if [ "$format" = "3.0 (quilt)" ]; then
	orig=$work/${name}_$upstream.orig.tar.xz
	if [ ! -f "$orig" ]; then
		echo "$me: no upstream tarball: making ${orig##*/} from the tree without debian/"
		(cd "$work" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
			--exclude="$name-$upstream/debian" -cf - "$name-$upstream") | xz -T1 -6 >"$orig"
	fi
fi
echo "$me: dpkg-source -b $name $version ($format)"
(cd "$tree" && dpkg-source -b .)
n=0
for f in "$work"/*.dsc "$work"/*.tar.*; do
	[ -f "$f" ] || continue
	mv "$f" "$out/"
	n=$((n + 1))
done
if ! ls "$out"/*.dsc >/dev/null 2>&1; then
	echo "$me: dpkg-source made no .dsc" >&2
	exit 1
fi
echo "$me: $n file(s) of source package $name $version in $out"
