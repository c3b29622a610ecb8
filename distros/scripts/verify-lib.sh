# verify-lib.sh: sourced by the verify scripts, which dbuilder copies next
# to it. Every function names the calling script ($me).
#
#   step NAME        starts a step; if the script fails, its last line
#                    names the step it failed in ("$me: FAILED in step
#                    NAME"), which dbuilder reports.
#   smoke            runs $DBUILDER_SMOKE (a script) when one is given.
#   gone LIST HOW    fails when a file of LIST (one path a line) is still
#                    there after HOW removed the packages.
#   snapshot FILE    lists every path of the file system but the runtime
#                    places below, sorted, into FILE.
#   leftovers BASE NAME
#                    writes what is there now but was not in the snapshot
#                    BASE to $DBUILDER_OUT/leftovers-NAME.txt; dbuilder
#                    fails the release on them unless
#                    release.allow_leftovers names them; $left is how
#                    many, and "cleanly" says so in words.
#   older OLD NEW    whether version OLD is older than NEW (set vercmp to
#                    deb or rpm first: the distro's own comparison).
#   previous SEP     sets $want to " NAME<SEP>VERSION" for each package of
#                    the previous repository ($prev/pkgs.txt) older than
#                    the new one (newver NAME), noting each upgrade in
#                    $out/upgraded.txt; ends the script (nothing to test)
#                    when there is none.
#   upgraded         fails unless each package of $names is at its new
#                    version.
#   after_upgrade REMOVE LISTED BASE
#                    the smoke, purge (the script's REMOVE function, with
#                    LISTED) and leftover (since BASE) steps again.
# shellcheck shell=sh disable=SC2154 # $me, $prev, $out, $names: set by the script that sources this

step=setup
trap 'rc=$?; if [ "$rc" -ne 0 ]; then echo "$me: FAILED in step $step (exit code $rc)" >&2; fi' EXIT

step() {
	step=$1
	echo "$me: step $1"
}

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

# The runtime places, as piuparts ignores them: package managers' own
# databases, caches and logs (Debian's rpm keeps root's database in
# ~/.rpmdb), temporary files, and dbuilder's /release.
# Other file systems (/proc, /sys, /dev) are not walked (-xdev).
snapshot() {
	find / -xdev \( -path /proc -o -path /sys -o -path /dev -o -path /run -o -path /tmp -o -path /var/tmp \
		-o -path /var/log -o -path /var/cache/ldconfig -o -path /var/cache/man -o -path /release \
		-o -path /var/lib/apt -o -path /var/cache/apt -o -path /var/lib/dpkg -o -path /var/cache/debconf \
		-o -path /var/lib/rpm -o -path /usr/lib/sysimage -o -path /var/lib/dnf -o -path /var/cache/dnf \
		-o -path /var/lib/yum -o -path /var/cache/yum -o -path /var/lib/zypp -o -path /var/cache/zypp \
		-o -path /var/cache/libdnf5 -o -path /root/.rpmdb \) -prune -o -print | LC_ALL=C sort >"$1"
}

leftovers() {
	now=$(mktemp)
	snapshot "$now"
	mkdir -p "${DBUILDER_OUT:?}"
	LC_ALL=C comm -13 "$1" "$now" >"$DBUILDER_OUT/leftovers-$2.txt"
	left=$(wc -l <"$DBUILDER_OUT/leftovers-$2.txt")
	if [ "$left" -gt 0 ]; then
		echo "$me: $left path(s) left after $2 and purge (not there before install):"
		sed 's/^/  /' "$DBUILDER_OUT/leftovers-$2.txt"
	else
		echo "$me: nothing left after $2 and purge"
	fi
	missing=$(LC_ALL=C comm -23 "$1" "$now" | head -n 20)
	if [ -n "$missing" ]; then
		echo "$me: note: gone since before install (first 20):"
		echo "$missing" | sed 's/^/  /'
	fi
	rm -f "$now"
}

cleanly() {
	if [ "${left:-0}" -eq 0 ]; then
		echo cleanly
	else
		echo "with $left path(s) left"
	fi
}

older() {
	case $vercmp in
	deb) dpkg --compare-versions "$1" lt "$2" ;;
	rpm) [ "$(rpm --eval "%{lua: print(rpm.vercmp('$1', '$2'))}")" = -1 ] ;;
	*)
		echo "$me: vercmp is '$vercmp', not deb or rpm" >&2
		return 2
		;;
	esac
}

previous() {
	want=
	while read -r name version _; do
		new=$(newver "$name")
		if older "$version" "$new"; then
			want="$want $name$1$version"
			echo "$name $version $new" >>"$out/upgraded.txt"
		else
			echo "$me: $name $version in the previous repository is not older than $new: no upgrade from it"
		fi
	done <"$prev/pkgs.txt"
	if [ -z "$want" ]; then
		echo "$me: nothing in the previous repository to upgrade from"
		exit 0
	fi
}

upgraded() {
	for n in $names; do
		case $vercmp in
		deb) have=$(dpkg-query -W -f='${Version}' "$n") ;;
		*) have=$(rpm -q --qf '%|EPOCH?{%{EPOCH}:}:{}|%{VERSION}-%{RELEASE}' "$n") ;;
		esac
		if [ "$have" != "$(newver "$n")" ]; then
			echo "$me: $n is at $have after the upgrade, not $(newver "$n")" >&2
			exit 1
		fi
	done
}

after_upgrade() {
	step smoke-after-upgrade
	smoke
	step purge-after-upgrade
	"$1" "$2"
	step leftovers-after-upgrade
	leftovers "$3" upgrade
}
