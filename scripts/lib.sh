# shellcheck shell=bash
# Helpers shared by scripts/*.sh (sourced, never run). Bash only.

# Commands from /usr/sbin (debootstrap, dockerd) must be found even when a CI
# job's PATH leaves the sbin directories out.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
export PATH

# log PREFIX MSG...: one line on stdout, so CI logs keep the order of events.
log() { local p=$1; shift; printf '%s: %s\n' "$p" "$*"; }

# now: seconds since the epoch with milliseconds; elapsed START: "1.234s".
now() { date +%s.%3N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1fs", b - a }'; }

# pids_named NAME: the pids of running processes named NAME that live in this
# shell's pid and mount namespaces: a dockerd inside a container (a dind
# sidecar) is not this machine's engine. Reads /proc: procps may be missing.
pids_named() {
	local d c pidns mntns
	pidns=$(readlink /proc/self/ns/pid 2>/dev/null || true)
	mntns=$(readlink /proc/self/ns/mnt 2>/dev/null || true)
	for d in /proc/[0-9]*; do
		c=$(cat "$d/comm" 2>/dev/null) || continue
		[ "$c" = "$1" ] || continue
		[ "$(readlink "$d/ns/pid" 2>/dev/null || true)" = "$pidns" ] || continue
		[ "$(readlink "$d/ns/mnt" 2>/dev/null || true)" = "$mntns" ] || continue
		echo "${d#/proc/}"
	done
	return 0
}

is_root() { [ "$(id -u)" = 0 ]; }
is_debian_like() { [ -r /etc/debian_version ] && command -v apt-get >/dev/null 2>&1; }

# apt_install PKG...: install the packages that are missing. `apt-get update`
# runs only when a package has no install candidate in the current lists, or
# when an install from the current lists fails (stale lists on an old image).
apt_install() {
	local p missing=() update=0
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	for p in "${missing[@]}"; do
		apt-cache policy "$p" 2>/dev/null | grep -q 'Candidate: [^(]' || update=1
	done
	export DEBIAN_FRONTEND=noninteractive
	local install=(apt-get install -y -q --no-install-recommends -o DPkg::Lock::Timeout=120 "${missing[@]}")
	if [ $update = 1 ]; then
		apt-get update -q -o DPkg::Lock::Timeout=120
		"${install[@]}"
	elif ! "${install[@]}"; then
		apt-get update -q -o DPkg::Lock::Timeout=120
		"${install[@]}"
	fi
}

# apt_uris KIND: the URIs of the host's enabled `deb` sources whose path ends in
# /debian (KIND=main) or /debian-security (KIND=security), one per line, first
# seen first. Reads both one-line (.list) and deb822 (.sources) files, so no
# mirror host ever has to be written into this repository.
apt_uris() {
	local want=/debian
	[ "$1" = security ] && want=/debian-security
	local files=()
	[ -r /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
	local f
	for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] && files+=("$f")
	done
	[ ${#files[@]} -gt 0 ] || return 0
	awk -v want="$want" '
		function emit(u) { sub(/\/+$/, "", u); if (u ~ ("^[a-z+]+://.*" want "$") && !(u in seen)) { seen[u]; print u } }
		function flush() { if (para_deb && para_enabled) { n = split(para_uris, us, /[ \t]+/); for (i = 1; i <= n; i++) if (us[i] != "") emit(us[i]) } para_deb = 0; para_enabled = 1; para_uris = "" }
		FNR == 1 { flush(); deb822 = (FILENAME ~ /\.sources$/) }
		/^[ \t]*#/ { next }
		deb822 && /^[ \t]*$/ { flush(); next }
		deb822 && tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb") para_deb = 1; next }
		deb822 && tolower($1) == "enabled:" { if (tolower($2) == "no") para_enabled = 0; next }
		deb822 && tolower($1) == "uris:" { $1 = ""; para_uris = para_uris " " $0; next }
		!deb822 && $1 == "deb" { for (i = 2; i <= NF; i++) { if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; continue } emit($i); break } }
		END { flush() }
	' "${files[@]}"
}
