#!/usr/bin/env bash
# make-images.sh: make, without any registry, the images dbuilder and its
# example need. Idempotent: an image that exists is skipped.
#
#  debian:bookworm, :trixie, :bullseye  debootstrap --variant=minbase, imported
#                                    with `docker import`. The rootfs tarball
#                                    is cached in $DBUILDER_CACHE/rootfs/SUITE.tar
#                                    (default /var/cache/dbuilder) and reused;
#                                    missing suites are debootstrapped in parallel.
#  arm64v8/debian:bookworm, ...     with DBUILDER_ARCHES="arm64 ..." (Debian
#                                    architecture names): the same suites
#                                    (DBUILDER_ARCH_SUITES, default bookworm)
#                                    debootstrapped for those architectures
#                                    through qemu-user (setup-emulation.sh) and
#                                    named as Docker's official per-architecture
#                                    repositories are (arm64v8/, arm32v7/,
#                                    ppc64le/, s390x/, i386/). Only made when
#                                    asked for: the tests ask for arm64.
#  dbuilder-example/mariadb:10.11   Debian's mariadb-server FROM debian:bookworm
#                                    (scripts/images/mariadb), rebuilt only when
#                                    its context or base image changed.
#
# To redo a base image: docker rmi debian:SUITE; to re-debootstrap it as well:
# rm $DBUILDER_CACHE/rootfs/SUITE.tar. The debootstrap mirror is the first
# .../debian URI of the host's apt sources, else debootstrap's own default;
# DBUILDER_DEBIAN_MIRROR overrides both.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"
p=make-images

CACHE=${DBUILDER_CACHE:-/var/cache/dbuilder}
ROOTFS=$CACHE/rootfs
LOGS=$CACHE/logs
SUITES=(bookworm trixie bullseye) # bullseye: an older glibc, for the docker CLI bundle test
read -r -a ARCHES <<<"${DBUILDER_ARCHES:-}"
read -r -a ARCH_SUITES <<<"${DBUILDER_ARCH_SUITES:-bookworm}"
NATIVE=$(dpkg --print-architecture 2>/dev/null || echo amd64)
MARIADB_IMAGE=dbuilder-example/mariadb:10.11
MARIADB_CONTEXT=$here/images/mariadb
PATH_ENV=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
# The legacy builder: this CLI may have no buildx plugin (see platform notes).
export DOCKER_BUILDKIT=0

image_exists() { docker image inspect "$1" >/dev/null 2>&1; }

# safe_rm DIR: remove a scratch rootfs. A killed debootstrap can leave /proc,
# /sys or a bind mount of the host's /dev mounted inside: unmount those first
# (deepest first) and never cross into another file system.
safe_rm() {
	local d=$1 m
	[ -e "$d" ] || return 0
	d=$(cd "$d" && pwd -P)
	awk -v d="$d" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/mounts | sort -r |
		while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
	rm -rf --one-file-system "$d"
}

# arch_repo ARCH: Docker's namespace of official images for a Debian
# architecture ("" for the native one).
arch_repo() {
	[ "$1" = "$NATIVE" ] && return 0
	case $1 in
	amd64) echo amd64/ ;;
	arm64) echo arm64v8/ ;;
	armhf) echo arm32v7/ ;;
	ppc64el) echo ppc64le/ ;;
	s390x) echo s390x/ ;;
	i386) echo i386/ ;;
	*) return 1 ;;
	esac
}

# make_rootfs SUITE [ARCH]: debootstrap into a scratch dir, tar it to
# KEY.tar.tmp (KEY: SUITE, or SUITE-ARCH for another architecture), then
# rename: a cached tarball is always complete.
make_rootfs() {
	local suite=$1 arch=${2:-$NATIVE} t mirror key
	key=$suite
	[ "$arch" = "$NATIVE" ] || key=$suite-$arch
	local dir=$ROOTFS/$key.d log=$LOGS/debootstrap-$key.log
	t=$(now)
	safe_rm "$dir"
	rm -f "$ROOTFS/$key.tar.tmp"
	mirror=${DBUILDER_DEBIAN_MIRROR:-$(apt_uris main | head -n 1)}
	log $p "$key: debootstrap --arch=$arch --variant=minbase $suite ${mirror:-"(debootstrap default mirror)"} (log: $log)"
	if ! debootstrap --arch="$arch" --variant=minbase "$suite" "$dir" ${mirror:+"$mirror"} >"$log" 2>&1; then
		log $p "$key: ERROR: debootstrap failed; last lines of $log:"
		tail -n 20 "$log" | sed 's/^/  | /'
		safe_rm "$dir"
		return 1
	fi
	tar --numeric-owner -C "$dir" -cf "$ROOTFS/$key.tar.tmp" .
	mv "$ROOTFS/$key.tar.tmp" "$ROOTFS/$key.tar"
	safe_rm "$dir"
	log $p "$key: rootfs cached in $ROOTFS/$key.tar ($(du -m "$ROOTFS/$key.tar" | cut -f1) MB) in $(elapsed "$t")"
}

# customize DIR SUITE: turn a raw debootstrap tree into a container base like
# Debian's official images: apt sources for SUITE, SUITE-updates and (when the
# host names one) SUITE-security on the mirror debootstrap used; apt settings
# that keep layers small; no package lists, caches or host files inside.
customize() {
	local dir=$1 suite=$2 mirror security keyring signed
	mirror=$(awk '$1 == "deb" { print $2; exit }' "$dir/etc/apt/sources.list" 2>/dev/null || true)
	[ -n "$mirror" ] || mirror=$(apt_uris main | head -n 1)
	if [ -z "$mirror" ]; then
		log $p "$suite: ERROR: no Debian mirror in the rootfs's /etc/apt/sources.list nor in the host's apt sources"
		return 1
	fi
	security=$(apt_uris security | head -n 1)
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	signed=""
	if [ -e "$dir$keyring" ]; then signed="Signed-By: $keyring"$'\n'; fi
	{
		printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\n%s' "$mirror" "$suite" "$suite" "$signed"
		if [ -n "$security" ]; then
			printf '\nTypes: deb\nURIs: %s\nSuites: %s-security\nComponents: main\n%s' "$security" "$suite" "$signed"
		fi
	} >"$dir/etc/apt/sources.list.d/debian.sources"
	rm -f "$dir/etc/apt/sources.list"
	# The same apt settings as the official debian images.
	cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<-'EOF'
		DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
		Dir::Cache::pkgcache "";
		Dir::Cache::srcpkgcache "";
	EOF
	echo 'Acquire::Languages "none";' >"$dir/etc/apt/apt.conf.d/docker-no-languages"
	echo 'Acquire::GzipIndexes "true";' >"$dir/etc/apt/apt.conf.d/docker-gzip-indexes"
	echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$dir/etc/apt/apt.conf.d/docker-autoremove-suggests"
	# debootstrap leaves ~80 MB of package lists and caches; the engine
	# provides hostname and resolv.conf at run time.
	find "$dir/var/lib/apt/lists" -mindepth 1 -maxdepth 1 ! -name partial ! -name lock -exec rm -rf {} +
	rm -f "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb
	rm -f "$dir/var/log/bootstrap.log"
	: >"$dir/etc/resolv.conf"
	echo localhost >"$dir/etc/hostname"
}

# import_rootfs SUITE [ARCH]: unpack the cached tarball, customize, import.
# The daemon records an import as its own architecture whatever the files
# are: that is what lets BuildKit use it in FROM without a registry (the
# binaries run through qemu-user; see setup-emulation.sh).
import_rootfs() {
	local suite=$1 arch=${2:-$NATIVE} t dir key image
	key=$suite image=debian:$suite
	if [ "$arch" != "$NATIVE" ]; then key=$suite-$arch image=$(arch_repo "$arch")debian:$suite; fi
	t=$(now)
	dir=$(mktemp -d "$CACHE/import-$key.XXXXXX")
	tar --numeric-owner -C "$dir" -xpf "$ROOTFS/$key.tar"
	customize "$dir" "$suite"
	tar --numeric-owner -C "$dir" -c . | docker import \
		-c 'CMD ["bash"]' \
		-c "ENV PATH=$PATH_ENV" \
		-c "LABEL org.dbuilder.made-by=scripts/make-images.sh org.dbuilder.suite=$suite org.dbuilder.arch=$arch" \
		-m "debootstrap --arch=$arch --variant=minbase $suite (dbuilder scripts/make-images.sh)" \
		- "$image" >/dev/null
	safe_rm "$dir"
	docker run --rm "$image" true
	log $p "$key: imported $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{ printf "%d MB", $1 / 1e6 }')) in $(elapsed "$t")"
}

base_image() {
	local suite=$1 arch=${2:-$NATIVE} key=$1
	[ "$arch" = "$NATIVE" ] || key=$suite-$arch
	# (if, not ||: errexit must stay on inside make_rootfs)
	if [ ! -s "$ROOTFS/$key.tar" ]; then
		make_rootfs "$suite" "$arch"
	fi
	import_rootfs "$suite" "$arch"
}

mariadb_image() {
	local t hash old new log=$LOGS/mariadb-build.log
	# The context's files plus the base image: a change to either rebuilds.
	hash=$( (cd "$MARIADB_CONTEXT" && find . -type f | LC_ALL=C sort | xargs sha256sum
		docker image inspect -f '{{.Id}}' debian:bookworm) | sha256sum | cut -c1-16)
	old=$(docker image inspect -f '{{.Id}} {{index .Config.Labels "org.dbuilder.context"}}' "$MARIADB_IMAGE" 2>/dev/null || true)
	if [ -n "$old" ] && [ "${old#* }" = "$hash" ]; then
		log $p "$MARIADB_IMAGE exists (context $hash), skipped"
		return 0
	fi
	t=$(now)
	log $p "building $MARIADB_IMAGE (context $hash; log: $log)"
	if ! docker build --label "org.dbuilder.context=$hash" -t "$MARIADB_IMAGE" "$MARIADB_CONTEXT" >"$log" 2>&1; then
		log $p "ERROR: docker build of $MARIADB_IMAGE failed; last lines of $log:"
		tail -n 30 "$log" | sed 's/^/  | /'
		return 1
	fi
	# The image it replaces would stay behind as <none>:<none>.
	new=$(docker image inspect -f '{{.Id}}' "$MARIADB_IMAGE")
	if [ -n "$old" ] && [ "${old%% *}" != "$new" ]; then
		docker rmi "${old%% *}" >/dev/null 2>&1 || true
	fi
	log $p "built $MARIADB_IMAGE ($(docker image inspect -f '{{.Size}}' "$MARIADB_IMAGE" | awk '{ printf "%d MB", $1 / 1e6 }')) in $(elapsed "$t")"
}

main() {
	local start suite arch key image todo=() need_debootstrap=0 pids=() failed=0 i foreign=()
	start=$(now)
	if ! docker info >/dev/null 2>&1; then
		log $p "ERROR: no Docker engine answers; run scripts/setup-engine.sh first"
		exit 1
	fi
	mkdir -p "$ROOTFS" "$LOGS"
	for suite in "${SUITES[@]}"; do
		if image_exists "debian:$suite"; then
			log $p "debian:$suite exists, skipped"
			continue
		fi
		todo+=("$suite:$NATIVE")
		[ -s "$ROOTFS/$suite.tar" ] || need_debootstrap=1
	done
	for arch in "${ARCHES[@]}"; do
		[ "$arch" = "$NATIVE" ] && continue
		if ! image=$(arch_repo "$arch"); then
			log $p "ERROR: unknown architecture $arch in DBUILDER_ARCHES (known: amd64 arm64 armhf ppc64el s390x i386)"
			exit 1
		fi
		foreign+=("$arch")
		for suite in "${ARCH_SUITES[@]}"; do
			if image_exists "${image}debian:$suite"; then
				log $p "${image}debian:$suite exists, skipped"
				continue
			fi
			todo+=("$suite:$arch")
			[ -s "$ROOTFS/$suite-$arch.tar" ] || need_debootstrap=1
		done
	done
	# Other architectures' binaries run through qemu-user, at debootstrap
	# time and in every container of those images.
	if [ ${#foreign[@]} -gt 0 ]; then
		bash "$here/setup-emulation.sh" "${foreign[@]}"
	fi
	if [ $need_debootstrap = 1 ] && ! command -v debootstrap >/dev/null 2>&1; then
		if is_root && is_debian_like; then
			apt_install debootstrap debian-archive-keyring
		else
			log $p "ERROR: debootstrap is needed to make the base images: install it (Debian/Ubuntu: apt-get install debootstrap; Fedora: dnf install debootstrap) and run as root"
			exit 1
		fi
	fi
	# One job per image (debootstrap if not cached, then import), all at once.
	for key in "${todo[@]}"; do
		base_image "${key%%:*}" "${key#*:}" &
		pids+=($!)
	done
	for i in "${!pids[@]}"; do
		if ! wait "${pids[$i]}"; then
			log $p "ERROR: making the ${todo[$i]} image failed"
			failed=1
		fi
	done
	[ $failed = 0 ] || exit 1
	mariadb_image
	log $p "all images ready in $(elapsed "$start")"
}

main "$@"
