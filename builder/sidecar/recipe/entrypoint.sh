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
# The data root is the target's cache volume: mark it used for
# `dbuilder cache ls` (sidecar.LastUsedFile).
touch /var/lib/docker/.dbuilder-last-used

# dbuilder starts the inner dockerd with --iptables=false: dockerd 20.10
# execs iptables about 70 times while it starts (half of its start). What
# the package's tests need of those rules is the masquerading that lets
# containers on the inner daemon's networks reach out through the
# sidecar's own address: one rule on the interface of the default route
# does it for every network, and leaves traffic between containers alone.
# Published ports work without rules (docker-proxy), and so does the
# embedded DNS of user networks (its rules live in each container's
# namespace).
for a in "$@"; do
	if [ "$a" = --iptables=false ]; then
		out=$(awk '$2 == "00000000" { print $1; exit }' /proc/net/route)
		if [ -n "$out" ]; then
			iptables -t nat -A POSTROUTING -o "$out" -m addrtype ! --src-type LOCAL -j MASQUERADE
		fi
		break
	fi
done

mkdir -p /var/run/dind
exec "$@"
