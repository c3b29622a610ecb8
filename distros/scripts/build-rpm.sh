#!/bin/sh
# Builds the one .spec at the top of /build/src into binary and source rpms
# and leaves them in /build/out. Env: PARALLEL, the number of jobs (default
# 1); RPMBUILD_NODEPS=1 skips the BuildRequires check (the rpm-on-debian
# family: Debian cannot resolve rpm names, its image has build.deps.deb).
set -eu
me=build-rpm.sh
nodeps=${RPMBUILD_NODEPS:-}
root=${DBUILDER_ROOT:-/build} # dbuilder's own tests point it elsewhere
src=$root/src
out=$root/out
top=$root/rpmbuild
jobs=${PARALLEL:-1}
case $jobs in
'' | *[!0-9]* | 0*)
	echo "$me: PARALLEL must be a positive number, not '$jobs'" >&2
	exit 2
	;;
esac

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

mkdir -p "$out" "$top/SOURCES" "$top/SPECS" "$top/BUILD" "$top/RPMS" "$top/SRPMS"
# Files next to the spec (Source1, Patch0, or a vendored Source0) go to SOURCES.
find . -maxdepth 1 -type f -exec cp -p {} "$top/SOURCES/" \;
if [ ! -f "$tarball" ]; then
	case $tarball in
	*.tar | *.tar.gz | *.tgz | *.tar.xz | *.tar.bz2 | *.tar.zst) ;;
	*)
		echo "$me: Source0 of $spec is '$tarball', which is not in $src and not a tarball name dbuilder can make; use %{name}-%{version}.tar.gz" >&2
		exit 2
		;;
	esac
	# The tree, as the tarball %setup expects: top directory NAME-VERSION.
	tar --exclude-vcs --transform "s|^\\.|$name-$version|S" -caf "$top/SOURCES/$tarball" .
fi

# --noclean keeps the built tree: test.command runs there (see builtdir below).
rpmbuild -ba --noclean ${nodeps:+--nodeps} \
	--define "_topdir $top" \
	--define "_smp_mflags -j$jobs" \
	--define "_smp_build_ncpus $jobs" \
	"$spec"

find "$top/RPMS" "$top/SRPMS" -type f -name '*.rpm' -exec cp -p {} "$out/" \;
n=$(find "$out" -maxdepth 1 -name '*.rpm' | wc -l)
if [ "$n" -eq 0 ]; then
	echo "$me: rpmbuild succeeded but made no .rpm under $top" >&2
	exit 1
fi
# Tell dbuilder where the tree was built (rpm < 4.20, then 4.20+); without
# it, test.command runs in $src.
for d in "$top/BUILD/$name-$version" "$top/BUILD/$name-$version"-*-build/"$name-$version"; do
	if [ -d "$d" ]; then
		printf '%s\n' "$d" >"$root/builtdir"
		break
	fi
done
[ -f "$root/builtdir" ] || echo "$me: note: no $name-$version directory under $top/BUILD; tests will run in $src" >&2
echo "$me: $n package(s) in $out"
