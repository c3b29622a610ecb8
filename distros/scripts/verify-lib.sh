# verify-lib.sh: sourced by the verify scripts, which dbuilder copies next
# to it. smoke runs $DBUILDER_SMOKE (a script) when one is given; gone LIST
# HOW fails when a file of LIST (one path a line) is still there after HOW
# removed the packages. Both name the calling script ($me).
# shellcheck shell=sh disable=SC2154 # $me: set by the script that sources this

smoke() {
	if [ -s "${DBUILDER_SMOKE:-}" ]; then
		echo "$me: smoke"
		(cd / && sh -e "$DBUILDER_SMOKE")
	fi
}

gone() {
	left=0
	while IFS= read -r p; do
		if [ -f "$p" ] || [ -L "$p" ]; then
			echo "$me: $p is still there after $2" >&2
			left=1
		fi
	done <"$1"
	[ "$left" -eq 0 ]
}
