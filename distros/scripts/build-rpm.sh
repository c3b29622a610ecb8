#!/bin/sh
# Builds the one .spec at the top of /build/src into binary and source rpms
# and leaves them in /build/out.
#
# Env:
#   PARALLEL              the number of jobs (default 1).
#   RPMBUILD_NODEPS=1     skips the BuildRequires check (the rpm-on-debian
#                         family: Debian cannot resolve rpm names, its image
#                         has build.deps.deb).
#   CCACHE_DIR            when set and ccache is installed, gcc/cc/g++ run
#                         through ccache (its masquerade directory goes first
#                         in PATH) with CCACHE_BASEDIR=/build: paths under it
#                         hash as relative ones, so a kept cache hits across
#                         build directories (a -g compile also hashes its
#                         directory unless the flags map it). EL images have
#                         no ccache (it is in EPEL): no-op there. Unset:
#                         nothing changes.
#   DBUILDER_INCREMENTAL  1: keep _topdir in /build/work/rpmbuild (dbuilder
#                         keeps /build/work between runs) and, once %prep has
#                         made a tree there, build with -bb --noclean --noprep,
#                         so make rebuilds only what changed and neither %prep
#                         nor (after a successful build) %configure runs
#                         again; no source rpm. This is for the
#                         edit-build-test loop, NOT for release builds: files
#                         deleted from the source stay in the kept tree, and
#                         the built tree may carry state from earlier builds.
#
# Incremental builds, in detail. The first build runs %prep alone (rpmbuild
# -bp), so a later run knows the tree is complete, then the rest with
# --noprep. When dbuilder makes Source0 from the tree (no tarball next to the
# spec), the tarball's NAME-VERSION directory is the tree, so later runs sync
# the source into the built tree with cp -a (unchanged files keep their
# mtimes). When the spec has Patch tags or Source0 lies next to the spec,
# %prep makes the tree from those files: it is skipped only while they are
# all unchanged, else it runs again (and the tree is built from scratch).
# Once a build has succeeded, %configure is defined to only say it is
# skipped, unless the spec changed since; %cmake, %meson and commands the
# spec runs itself run again.
set -eu
me=build-rpm.sh
nodeps=${RPMBUILD_NODEPS:-}
root=${DBUILDER_ROOT:-/build} # dbuilder's own tests point it elsewhere
src=$root/src
out=$root/out
top=$root/rpmbuild
incremental=
if [ "${DBUILDER_INCREMENTAL:-}" = 1 ]; then
	incremental=1
	top=$root/work/rpmbuild
fi
jobs=${PARALLEL:-1}
case $jobs in
'' | *[!0-9]* | 0*)
	echo "$me: PARALLEL must be a positive number, not '$jobs'" >&2
	exit 2
	;;
esac

# ccache: rpmbuild keeps PATH and CCACHE_* for its scriptlets.
# shellcheck source-path=SCRIPTDIR source=ccache.sh
. "$(dirname "$0")/ccache.sh"
ccache_setup
# shellcheck source-path=SCRIPTDIR source=eperm.sh
. "$(dirname "$0")/eperm.sh"
# root_hint: why a build as the unprivileged build user may have failed.
root_hint() {
	echo "$me: rpmbuild failed with \"Operation not permitted\" as the unprivileged build user $(id -un) (uid $(id -u)): %install cannot chown or chgrp files to other users. Give ownership in %files with %attr or %defattr (rpm records it; the files need not have it), or build as root: build.root: true in matrix.yaml."
}

cd "$src"
set -- ./*.spec
if [ ! -f "$1" ]; then
	echo "$me: no .spec file at the top of $src" >&2
	exit 2
elif [ "$#" -ne 1 ]; then
	echo "$me: need exactly one .spec at the top of $src, found: $*" >&2
	exit 2
fi
spec=${1#./}
name=$(rpmspec -q --srpm --qf '%{NAME}' "$spec")
version=$(rpmspec -q --srpm --qf '%{VERSION}' "$spec")
# rpmbuild finds Source0 in SOURCES by the base name of its URL or path.
tarball=$(rpmspec -P "$spec" | sed -n 's/^[Ss]ource0\{0,1\}:[[:space:]]*//p' | head -n 1)
tarball=${tarball##*/}
tarball=${tarball:-$name-$version.tar.gz}

# builttree: the NAME-VERSION directory %setup made under BUILD (rpm < 4.20,
# then 4.20+), or nothing.
builttree() {
	for d in "$top/BUILD/$name-$version" "$top/BUILD/$name-$version"-*-build/"$name-$version"; do
		if [ -d "$d" ]; then
			printf '%s\n' "$d"
			return
		fi
	done
}

stage=-ba
noprep=
skipconf=
state=$top/.dbuilder # markers: prepared (%prep done), built (a build succeeded)
if [ -n "$incremental" ]; then
	stage=-bb
	tree=$(builttree)
	reuse=
	if ! rpmbuild --help 2>/dev/null | grep -q -- --noprep; then
		echo "incremental: this rpmbuild has no --noprep: %prep runs every time"
	elif [ -z "$tree" ] || [ ! -f "$state/prepared" ]; then
		:
	elif [ ! -f "$tarball" ] && ! rpmspec -P "$spec" | grep -Eiq '^patch[0-9]*:'; then
		reuse=1
	else
		# %prep made the tree from the files next to the spec.
		changed=
		for f in ./* ./.[!.]*; do
			if [ -f "$f" ] && ! cmp -s "$f" "$top/SOURCES/${f#./}"; then
				changed=${f#./}
				break
			fi
		done
		if [ -z "$changed" ]; then
			reuse=1
		else
			echo "incremental: $changed changed, and %prep makes the tree from the files next to $spec (patches or Source0): preparing it again"
		fi
	fi
	if [ -n "$reuse" ]; then
		echo "incremental: reusing the built tree in $tree"
		noprep=--noprep
		if [ ! -f "$tarball" ]; then
			cp -a "$src/." "$tree/"
		fi
		if [ -f "$state/built" ]; then
			if [ -n "$(find "$spec" -newer "$state/built")" ]; then
				echo "incremental: $spec changed since the last build: %configure runs again"
			else
				skipconf=1
			fi
		fi
	else
		echo "incremental: first build in $top/BUILD"
		rm -rf "$state"
	fi
	mkdir -p "$state"
	echo "incremental: no source rpm (rpmbuild -bb)"
	# No packages of earlier runs in the output.
	if [ -d "$top/RPMS" ]; then
		find "$top/RPMS" -type f -name '*.rpm' -exec rm -f {} +
	fi
fi

mkdir -p "$out" "$top/SOURCES" "$top/SPECS" "$top/BUILD" "$top/RPMS" "$top/SRPMS"
# Files next to the spec (Source1, Patch0, or a vendored Source0) go to SOURCES.
find . -maxdepth 1 -type f -exec cp -p {} "$top/SOURCES/" \;
if [ ! -f "$tarball" ] && [ -z "$noprep" ]; then
	case $tarball in
	*.tar | *.tar.gz | *.tgz | *.tar.xz | *.tar.bz2 | *.tar.zst) ;;
	*)
		echo "$me: Source0 of $spec is '$tarball', which is not in $src and not a tarball name dbuilder can make; use %{name}-%{version}.tar.gz" >&2
		exit 2
		;;
	esac
	# The tree, as the tarball %setup expects: top directory NAME-VERSION.
	# Sorted, owned by root and 0644 whatever the umask, so that the source
	# rpm is reproducible.
	tar --exclude-vcs --sort=name --owner=0 --group=0 --numeric-owner \
		--transform "s|^\\.|$name-$version|S" -caf "$top/SOURCES/$tarball" .
	chmod 0644 "$top/SOURCES/$tarball"
fi

# rpmbuild ARGS...: rpmbuild with the options every run uses. The
# reproducibility macros are Fedora's defaults (Debian's rpm lacks them):
# SOURCE_DATE_EPOCH from %changelog, used as the build time and to clamp
# file times, and a fixed build host (a container's host name is random).
rpmbuild_() {
	eperm_run root_hint rpmbuild "$@" ${nodeps:+--nodeps} \
		--define "_topdir $top" \
		--define "source_date_epoch_from_changelog 1" \
		--define "use_source_date_epoch_as_buildtime 1" \
		--define "clamp_mtime_to_source_date_epoch 1" \
		--define "_buildhost reproducible" \
		--define "_smp_mflags -j$jobs" \
		--define "_smp_build_ncpus $jobs" \
		"$spec"
}
if [ -n "$incremental" ] && [ -z "$noprep" ] && rpmbuild --help 2>/dev/null | grep -q -- --noprep; then
	# %prep on its own, so that the next run knows it finished.
	rpmbuild_ -bp --noclean
	touch "$state/prepared"
	noprep=--noprep
fi
# --noclean keeps the built tree: test.command runs there (see builtdir
# below), and an incremental build goes on from it. After a successful
# incremental build, %configure only says it is skipped.
if [ -n "$skipconf" ]; then
	rpmbuild_ "$stage" --noclean ${noprep:+"$noprep"} \
		--define 'configure echo "%%configure: skipped (dbuilder incremental build: configured by an earlier build)"; :'
else
	rpmbuild_ "$stage" --noclean ${noprep:+"$noprep"}
fi
if [ -n "$incremental" ]; then
	touch "$state/built"
fi

find "$top/RPMS" "$top/SRPMS" -type f -name '*.rpm' -exec cp -p {} "$out/" \;
n=$(find "$out" -maxdepth 1 -name '*.rpm' | wc -l)
if [ "$n" -eq 0 ]; then
	echo "$me: rpmbuild succeeded but made no .rpm under $top" >&2
	exit 1
fi
# Tell dbuilder where the tree was built; without it, test.command runs in $src.
tree=$(builttree)
if [ -n "$tree" ]; then
	printf '%s\n' "$tree" >"$root/builtdir"
else
	echo "$me: note: no $name-$version directory under $top/BUILD; tests will run in $src" >&2
fi
ccache_report
echo "$me: $n package(s) in $out"
