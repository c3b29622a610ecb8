#!/bin/sh
# Builds the binary packages of the Debian source tree in /build/src and
# leaves them in /build/out.
#
# Env:
#   PARALLEL              the number of jobs (default 1).
#   CCACHE_DIR            when set and ccache is installed, gcc/cc/g++ run
#                         through ccache (its masquerade directory goes first
#                         in PATH) with CCACHE_BASEDIR=/build: paths under it
#                         hash as relative ones, so a kept cache hits across
#                         build directories (a -g compile also hashes its
#                         directory unless the flags map it, as dpkg's
#                         -ffile-prefix-map does). Unset: nothing changes.
#   DBUILDER_INCREMENTAL  1: build in /build/work/src (dbuilder keeps
#                         /build/work between runs); after the first build
#                         there (a normal one, clean step included) without
#                         the clean step, so make rebuilds only what changed
#                         and configure does not run again. This is for the edit-build-test
#                         loop, NOT for release builds: files deleted from the
#                         source stay in the kept tree, and the built tree may
#                         carry state from earlier builds (a configure run
#                         with older flags, generated files, objects).
#
# Incremental builds, in detail. The source is synced into the kept tree
# with cp -a, so unchanged files keep their mtimes and make skips them. dh
# (compat 10+) records only debian/debhelper-build-stamp, which skips the
# whole build sequence (configure, build, test) at once; per-command logs
# (debian/*.debhelper.log) count only in compat 9 and older. So the stamp and
# the logs are removed, which makes dh run the build sequence again, and a
# dh_auto_configure placed first in PATH skips configuring once a
# dh_auto_configure has succeeded in the tree (unless debian/rules changed
# since). Commands an override_dh_auto_configure runs itself run again.
# "3.0 (quilt)" patches are unapplied before the sync and applied again
# after it; patched files whose content did not change keep their mtimes.
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

# ccache: dpkg-buildpackage and debhelper keep PATH and CCACHE_* (debhelper
# moves HOME, which is why CCACHE_DIR must be set, not defaulted).
# shellcheck source-path=SCRIPTDIR source=ccache.sh
. "$(dirname "$0")/ccache.sh"
ccache_setup
# shellcheck source-path=SCRIPTDIR source=eperm.sh
. "$(dirname "$0")/eperm.sh"

quilt=
if grep -qx '3.0 (quilt)' "$src/debian/source/format" 2>/dev/null; then
	quilt=1
fi

tree=$src
nc=
if [ "${DBUILDER_INCREMENTAL:-}" = 1 ]; then
	work=$root/work
	tree=$work/src
	state=$work/.dbuilder # the dh_auto_configure wrapper and its marker
	reuse=
	if [ -d "$tree/debian" ]; then
		reuse=1
		echo "incremental: reusing the built tree in $tree"
		if [ -f "$tree/.pc/applied-patches" ]; then
			# Keep a copy of each patched file (quilt backs up the
			# originals under .pc/PATCH/), then unapply: the sync must
			# not overwrite patched files with unpatched ones that
			# dpkg-source would then think patched.
			rm -rf "$state/patched"
			(cd "$tree/.pc" && find . -mindepth 2 -type f) | while IFS= read -r f; do
				f=${f#./*/}
				if [ -f "$tree/$f" ]; then
					mkdir -p "$(dirname "$state/patched/$f")"
					cp -p "$tree/$f" "$state/patched/$f"
				fi
			done
			if ! (cd "$tree" && dpkg-source --after-build --unapply-patches .); then
				echo "incremental: could not unapply the patches of the kept tree: starting over"
				reuse=
			fi
		fi
	fi
	if [ -n "$reuse" ]; then
		nc=-nc
	else
		echo "incremental: first build in $tree"
		rm -rf "$tree" "$state"
	fi
	mkdir -p "$tree" "$state/bin"
	cp -a "$src/." "$tree/"

	if [ -n "$reuse" ]; then
		# dh runs the build sequence (build, test) again; see the header.
		rm -f "$tree/debian/debhelper-build-stamp" "$tree"/debian/*.debhelper.log "$tree/debian/files"
		if [ -n "$quilt" ]; then
			(cd "$tree" && dpkg-source --before-build .)
			if [ -d "$state/patched" ]; then
				(cd "$state/patched" && find . -type f) | while IFS= read -r f; do
					if cmp -s "$state/patched/$f" "$tree/$f"; then
						touch -r "$state/patched/$f" "$tree/$f"
					fi
				done
				rm -rf "$state/patched"
			fi
		fi
	fi
	if real=$(command -v dh_auto_configure); then
		skip=
		if [ -n "$reuse" ] && [ -f "$state/configured" ]; then
			if [ -n "$(find "$tree/debian/rules" -newer "$state/configured")" ]; then
				echo "incremental: debian/rules changed since the tree was configured: configuring again"
			else
				skip=1
			fi
		fi
		if [ -n "$skip" ]; then
			cat >"$state/bin/dh_auto_configure" <<-EOF
				#!/bin/sh
				echo "dh_auto_configure: skipped (dbuilder incremental build: configured by an earlier build)"
			EOF
		else
			cat >"$state/bin/dh_auto_configure" <<-EOF
				#!/bin/sh
				'$real' "\$@" || exit
				touch '$state/configured'
			EOF
		fi
		chmod 755 "$state/bin/dh_auto_configure"
		PATH=$state/bin:$PATH
		export PATH
	fi
	# dpkg-buildpackage writes next to the tree: no leftovers of earlier runs.
	rm -f "$work"/*.deb "$work"/*.ddeb "$work"/*.udeb "$work"/*.buildinfo "$work"/*.changes
	printf '%s\n' "$tree" >"$root/builtdir"
fi

cd "$tree"
# Quilt patches stay applied: test.command runs in this tree afterwards.
# (Other formats have no such option and would warn.)
keep=
if [ -n "$quilt" ]; then
	keep=--source-option=--no-unapply-patches
fi
# rrr_hint: why a build as the unprivileged build user may have failed.
# dpkg-buildpackage honours Rules-Requires-Root (the source stanza of
# debian/control): debian/rules runs under fakeroot only where the package
# declares it needs root, and a missing field means "no" since dpkg
# 1.22.13 (trixie), "binary-targets" before.
rrr_hint() {
	rrr=$(awk '/^[[:space:]]*$/ { exit } tolower($0) ~ /^rules-requires-root:/ { sub(/^[^:]*:[[:space:]]*/, ""); print; exit }' debian/control)
	case $rrr in
	binary-targets) return ;; # fakeroot was used: something else
	'')
		v=$(dpkg-query -W -f '${Version}' dpkg 2>/dev/null) || v=0
		dpkg --compare-versions "$v" ge 1.22.13 || return 0
		said="no Rules-Requires-Root field (which dpkg $v takes as \"no\")"
		;;
	*) said="Rules-Requires-Root: $rrr" ;;
	esac
	echo "$me: the build failed with \"Operation not permitted\" as the unprivileged build user $(id -un) (uid $(id -u)), and debian/control has $said: dpkg-buildpackage ran debian/rules without fakeroot."
	echo "$me: if debian/rules needs root (chown or chgrp to root or another user, mknod, ...), declare it in the source stanza of debian/control: Rules-Requires-Root: binary-targets (dpkg-buildpackage then runs the binary targets under fakeroot). Or build as root: build.root: true in matrix.yaml."
}

# -b builds binaries only, so "3.0 (quilt)" needs no orig tarball; -us -uc:
# unsigned; -nc (incremental, after the first build): no clean step.
eperm_run rrr_hint dpkg-buildpackage -b -us -uc ${nc:+"$nc"} ${keep:+"$keep"}

# dpkg-buildpackage writes next to the tree; Ubuntu puts debug symbols in .ddeb.
n=0
for f in ../*.deb ../*.ddeb ../*.udeb ../*.buildinfo ../*.changes; do
	[ -e "$f" ] || continue
	mv "$f" "$out/"
	case $f in *deb) n=$((n + 1)) ;; esac
done
if [ "$n" -eq 0 ]; then
	echo "$me: dpkg-buildpackage succeeded but left no .deb next to $tree" >&2
	exit 1
fi
ccache_report
echo "$me: $n package(s) in $out"
