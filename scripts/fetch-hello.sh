#!/usr/bin/env bash
# fetch-hello.sh [DIR]: GNU hello 2.10-3, Debian's own source package (the
# workload of the DEP-8 tests and of the benchmarks), into DIR (default
# /var/cache/dbuilder/src/hello) when it is not there yet. It comes from
# the Debian archive this machine's apt uses, through apt-get source with a
# private deb-src list (the machine's apt setup is left as it is); dscverify
# is not needed: apt checks the files against the archive's signed sums.
set -euo pipefail
dir=${1:-/var/cache/dbuilder/src/hello}
dsc=hello_2.10-3.dsc
[ -f "$dir/$dsc" ] && exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/parts" "$tmp/lists/partial" "$dir"
# The machine's own sources, as deb-src entries (deb822 and one-line forms).
for f in /etc/apt/sources.list.d/*.sources; do
	[ -f "$f" ] && sed 's/^Types: deb$/Types: deb-src/' "$f" >"$tmp/parts/$(basename "$f")"
done
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
	[ -f "$f" ] && sed -n 's/^deb \(.*\)$/deb-src \1/p' "$f" >>"$tmp/parts/one-line.list"
done
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$tmp/parts" -o "Dir::State::Lists=$tmp/lists" -o "Debug::NoLocking=1")
apt-get "${apt_opts[@]}" -q update >"$tmp/update.log" 2>&1 || { cat "$tmp/update.log" >&2; exit 1; }
(cd "$dir" && apt-get "${apt_opts[@]}" -q --download-only source hello=2.10-3) >"$tmp/source.log" 2>&1 || { cat "$tmp/source.log" >&2; exit 1; }
[ -f "$dir/$dsc" ] || { echo "fetch-hello.sh: $dsc did not arrive in $dir" >&2; exit 1; }
echo "fetch-hello.sh: GNU hello 2.10-3 source in $dir"
