#!/bin/sh
# Prepares a nested dockerd the way docker:dind does, then runs it.
set -e

# cgroup v2 with a private cgroup namespace: move our processes out of the
# root cgroup so controllers can be delegated to the inner containers.
if [ -f /sys/fs/cgroup/cgroup.controllers ] && [ ! -f /sys/fs/cgroup/init/cgroup.procs ]; then
	mkdir -p /sys/fs/cgroup/init
	xargs -rn1 < /sys/fs/cgroup/cgroup.procs > /sys/fs/cgroup/init/cgroup.procs 2>/dev/null || :
	sed -e 's/ / +/g' -e 's/^/+/' < /sys/fs/cgroup/cgroup.controllers \
		> /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || :
fi

# securityfs is needed by AppArmor-aware runc when the host has AppArmor.
if [ -d /sys/kernel/security ] && ! mountpoint -q /sys/kernel/security 2>/dev/null; then
	mount -t securityfs none /sys/kernel/security 2>/dev/null || :
fi

# A previous daemon on this data root may have been killed: drop its pid file,
# and its network store, whose stale endpoints can keep a published port
# "already allocated" after a restart (dbuilder removes every container and
# network left on the data root anyway; the bridge is made anew).
rm -f /var/run/docker.pid /var/run/docker/containerd/containerd.pid
rm -f /var/lib/docker/network/files/local-kv.db

mkdir -p /var/run/dind
exec "$@"
