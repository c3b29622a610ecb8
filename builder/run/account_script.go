package run

// The scripts below only copy counter files out of the containers; Go
// parses them (counters.go), so the parsing is unit-tested on real sample
// files and a missing counter stays missing instead of becoming a 0 in
// shell arithmetic.

// counterFunc prints " NAME=TEXT": a counter file's raw text as one word
// (newlines as ';', spaces as ','), or " NAME=absent" when it cannot be
// read. No kernel counter file holds ';', ',' or the word "absent".
const counterFunc = `counter() {
	if v=$(tr ' \n' ',;' 2>/dev/null <"$2"); then printf ' %s=%s' "$1" "$v"; else printf ' %s=absent' "$1"; fi
}
`

// accountScript is run.sh's EXIT trap: it prints the build container's
// cgroup counters (v2 or v1) and the run script's own /proc/PID/io (which
// includes every child it waited for) as one marker line.
const accountScript = counterFunc + `account() {
	code=$?
	set +e
	cg=/sys/fs/cgroup
	pio=/proc/$$/io
	if [ -f "$cg/cpu.stat" ]; then
		figs="cgroup=v2$(counter cpu.stat "$cg/cpu.stat")$(counter memory.peak "$cg/memory.peak")$(counter io.stat "$cg/io.stat")"
	else
		figs="cgroup=v1$(counter cpuacct.usage "$cg/cpuacct/cpuacct.usage")$(counter memory.max_usage_in_bytes "$cg/memory/memory.max_usage_in_bytes")$(counter blkio.throttle.io_service_bytes "$cg/blkio/blkio.throttle.io_service_bytes")"
	fi
	mark resources "$figs$(counter proc.io "$pio")"
	exit $code
}
trap account EXIT
`

// daemonScript prints one line per cgroup of the target's daemon: the
// sidecar's own, and the one its inner daemon puts test containers under
// (--cgroup-parent). When the sidecar has its own cgroup namespace
// (privileged mode) its root holds both, counted once. A cgroup that does
// not exist says "missing" (no test container ever ran there). LOCK is
// replaced by the sidecar's name.
const daemonScript = `set +e
` + counterFunc + `cg=/sys/fs/cgroup
part() {
	if [ -f "$cg/cgroup.controllers" ]; then
		b=$cg$2
		if [ ! -d "$b" ]; then echo "part=$1 missing"; return; fi
		echo "part=$1 cgroup=v2$(counter cpu.stat "$b/cpu.stat")$(counter memory.peak "$b/memory.peak")$(counter io.stat "$b/io.stat")"
	else
		if [ ! -d "$cg/cpuacct$2" ]; then echo "part=$1 missing"; return; fi
		echo "part=$1 cgroup=v1$(counter cpuacct.usage "$cg/cpuacct$2/cpuacct.usage")$(counter memory.max_usage_in_bytes "$cg/memory$2/memory.max_usage_in_bytes")$(counter blkio.throttle.io_service_bytes "$cg/blkio$2/blkio.throttle.io_service_bytes")"
	fi
}
own=$(awk -F: '$1 == "0" || $2 ~ /(^|,)cpuacct(,|$)/ {print $3; exit}' /proc/1/cgroup)
if [ -z "$own" ]; then echo "part=daemon missing"; exit 0; fi
part daemon "$own"
[ "$own" = / ] || part tests /dbuilder/LOCK
`
