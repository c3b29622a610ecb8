# eperm.sh: sourced by the build scripts, which dbuilder copies next to it.
# Builds run as an unprivileged user (dbuilder's build user) unless the
# matrix says build.root: a package that quietly needs root then fails
# with "Operation not permitted" somewhere in a long log. eperm_run says
# why, next to the failure.
#
# eperm_run HINT CMD...: runs CMD, its stdout and stderr passed through as
# one stream; when CMD fails, not as root, and its output says "Operation
# not permitted", calls the function HINT (its words go to stderr).
# Returns CMD's status.
# shellcheck shell=sh

eperm_run() {
	eperm_hint=$1
	shift
	eperm_log=$(mktemp)
	eperm_rc=$(mktemp)
	{ "$@" 2>&1 || echo "$?" >"$eperm_rc"; } | tee "$eperm_log"
	eperm_code=0
	if [ -s "$eperm_rc" ]; then
		eperm_code=$(cat "$eperm_rc")
	fi
	if [ "$eperm_code" -ne 0 ] && [ "$(id -u)" -ne 0 ] && grep -q 'Operation not permitted' "$eperm_log"; then
		"$eperm_hint" >&2 || true
	fi
	rm -f "$eperm_log" "$eperm_rc"
	return "$eperm_code"
}
