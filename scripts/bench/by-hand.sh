#!/usr/bin/env bash
# by-hand.sh SUITE: the example's build and test for one Debian suite done
# with plain docker commands, as a user would write them without dbuilder
# (and as seznam/dbuilder does): a fresh container that installs the build
# dependencies on every run, a dind daemon started by hand, the MariaDB image
# copied in with save | load, then dpkg-buildpackage and make check. The
# baseline for scripts/bench.sh. Cleans up after itself.
set -euo pipefail
suite=$1
root=$(cd "$(dirname "$0")/../.." && pwd)
n=byhand-$suite-$$
dind=${DIND_IMAGE:-dbuilder/dind:0.1.0-dev}
cleanup() {
	docker rm -f "$n-build" "$n-dind" >/dev/null 2>&1 || true
	docker volume rm "$n-sock" "$n-data" >/dev/null 2>&1 || true
	# the inner daemon's (now empty) cgroups on this host
	for d in /sys/fs/cgroup/*/byhand; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	true
}
trap cleanup EXIT

docker volume create "$n-sock" >/dev/null
docker volume create "$n-data" >/dev/null
# --privileged is refused on these hosts; this is the equivalent set.
# The dind image is dbuilder's own, whose io.dbuilder.* labels a container
# inherits: without managed=false, `dbuilder gc` (run by anything else on this
# daemon) removes this container as a dead run's leftover.
docker run -d --name "$n-dind" --label dbuilder-bench=byhand --label io.dbuilder.managed=false \
	--cap-add ALL --cap-drop SYS_RESOURCE --security-opt seccomp=unconfined \
	--security-opt apparmor=unconfined --security-opt systempaths=unconfined \
	--device-cgroup-rule='a *:* rwm' -v /sys/fs/cgroup:/sys/fs/cgroup:rw \
	-v "$n-data:/var/lib/docker" -v "$n-sock:/var/run/dind" \
	"$dind" dockerd --host=unix:///var/run/dind/docker.sock --cgroup-parent="/byhand/$n" >/dev/null
until docker exec "$n-dind" docker -H unix:///var/run/dind/docker.sock info >/dev/null 2>&1; do sleep 0.2; done
docker save dbuilder-example/mariadb:10.11 | docker exec -i "$n-dind" docker -H unix:///var/run/dind/docker.sock load -q >/dev/null

docker create --name "$n-build" --label dbuilder-bench=byhand --network "container:$n-dind" \
	-v "$n-sock:/var/run/dind" -e DOCKER_HOST=unix:///var/run/dind/docker.sock -w /src \
	-e PATH=/opt/dbuilder-cli:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	"debian:$suite" sh -ec '
		apt-get update -qq
		apt-get install -y -qq --no-install-recommends build-essential debhelper dpkg-dev fakeroot >/dev/null
		apt-get build-dep -y -qq --no-install-recommends . >/dev/null
		dpkg-buildpackage -b -us -uc >/dev/null
		make check' >/dev/null
docker cp "$root/testdata/hellodb/." "$n-build:/src"
# The docker CLI for make check, from the dind image.
docker cp "$n-dind:/opt/dbuilder-cli" - | docker cp - "$n-build:/opt"
docker start -a "$n-build" >/dev/null 2>&1 || { docker logs --tail 30 "$n-build"; exit 1; }
