#!/usr/bin/env bash
# setup-emulation.sh ARCH...: let this machine's daemon run containers of
# other architectures (Debian names: arm64, armhf, ppc64el, s390x, i386)
# through qemu-user: mount binfmt_misc, install Debian's qemu-user-static
# and binfmt-support, and enable each architecture's handler. Debian
# registers them with the F flag, so the interpreter is opened at
# registration and works inside containers. Idempotent. i386 needs no
# emulation on amd64 (the kernel runs it).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
p=setup-emulation

# qemu_name ARCH: the qemu-user / binfmt name of a Debian architecture.
qemu_name() {
	case $1 in
	arm64) echo aarch64 ;;
	armhf) echo arm ;;
	ppc64el) echo ppc64le ;;
	s390x) echo s390x ;;
	*) return 1 ;;
	esac
}

main() {
	local arch q need=()
	for arch in "$@"; do
		[ "$arch" = "$(dpkg --print-architecture 2>/dev/null || echo amd64)" ] && continue
		[ "$arch" = i386 ] && continue
		if ! q=$(qemu_name "$arch"); then
			log $p "ERROR: no emulation known for architecture $arch (known: arm64 armhf ppc64el s390x)"
			exit 1
		fi
		need+=("$q")
	done
	[ ${#need[@]} -gt 0 ] || return 0
	if [ ! -e /proc/sys/fs/binfmt_misc/status ]; then
		mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc ||
			{ log $p "ERROR: cannot mount binfmt_misc (needs root on the daemon's host)"; exit 1; }
	fi
	if is_root && is_debian_like; then
		apt_install qemu-user-static binfmt-support
	fi
	for q in "${need[@]}"; do
		if [ ! -e "/proc/sys/fs/binfmt_misc/qemu-$q" ]; then
			update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || true
		fi
		if ! grep -qx enabled "/proc/sys/fs/binfmt_misc/qemu-$q" 2>/dev/null; then
			log $p "ERROR: qemu-$q is not registered with binfmt_misc (update-binfmts --enable qemu-$q failed)"
			exit 1
		fi
		log $p "qemu-$q: enabled ($(awk '/^flags/ {print "flags " $2}' "/proc/sys/fs/binfmt_misc/qemu-$q"))"
	done
}

main "$@"
