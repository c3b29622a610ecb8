# ccache.sh: sourced by the build scripts, which dbuilder copies next to it.
# ccache_setup: with CCACHE_DIR set and ccache installed, the compilers
# called through PATH (gcc, cc, g++, c++) go through ccache. ccache_report
# prints this build's hits and misses. Needs $root (the build root).
# shellcheck shell=sh

ccache_setup() {
	ccache_before=
	if [ -n "${CCACHE_DIR:-}" ]; then
		masq=
		for d in /usr/lib64/ccache /usr/lib/ccache; do
			if [ -x "$d/gcc" ] || [ -x "$d/cc" ]; then
				masq=$d
				break
			fi
		done
		if ! command -v ccache >/dev/null 2>&1; then
			echo "ccache: off (CCACHE_DIR is set but ccache is not installed)"
		elif [ -z "$masq" ]; then
			echo "ccache: off (no masquerade directory /usr/lib64/ccache or /usr/lib/ccache)"
		else
			# Debian's update-ccache-symlinks links cc and c++ only if they
			# existed when it ran, which an image that installs gcc and ccache
			# at once can miss; make's default CC is cc: link them here then.
			extra=
			for n in cc c++; do
				if [ ! -e "$masq/$n" ] && command -v "$n" >/dev/null 2>&1; then
					extra=${extra:-$(mktemp -d)}
					ln -s "$(command -v ccache)" "$extra/$n"
				fi
			done
			mkdir -p "$CCACHE_DIR"
			CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root}
			PATH=${extra:+$extra:}$masq:$PATH
			export CCACHE_DIR CCACHE_BASEDIR PATH
			ccache_before=$(ccache --print-stats 2>/dev/null) || ccache_before=none
			echo "ccache: on (CCACHE_DIR=$CCACHE_DIR)"
		fi
	fi
}

# ccache_stat NAME STATS: one counter of `ccache --print-stats` output (0 if absent).
ccache_stat() { printf '%s\n' "$2" | awk -v k="$1" '$1 == k { v = $2 } END { print v + 0 }'; }
ccache_report() {
	[ -n "$ccache_before" ] && [ "$ccache_before" != none ] || return 0
	after=$(ccache --print-stats 2>/dev/null) || return 0
	hits=0
	for k in direct_cache_hit preprocessed_cache_hit; do
		hits=$((hits + $(ccache_stat "$k" "$after") - $(ccache_stat "$k" "$ccache_before")))
	done
	misses=$(($(ccache_stat cache_miss "$after") - $(ccache_stat cache_miss "$ccache_before")))
	echo "ccache: $hits hits, $misses misses in this build"
}
