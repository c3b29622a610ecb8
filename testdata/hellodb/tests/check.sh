#!/usr/bin/env bash
# tests/check.sh [HELLODB]: hellodb's package test (`make check`).
#
# Starts a MariaDB server in the CURRENT Docker daemon (DOCKER_HOST: under
# dbuilder that is the target's own dind sidecar, whose network the build
# container shares), waits until it accepts a root login, runs hellodb against
# it, checks the output, and always removes the container. If the server never
# comes up it fails with the server's log.
#
# Settings (environment): HELLODB_MARIADB_IMAGE (dbuilder-example/mariadb:10.11),
# HELLODB_PORT (3306, published on 127.0.0.1), HELLODB_PASSWORD (a fixed test
# password), HELLODB_WAIT (60 seconds).
set -euo pipefail

hellodb=${1:-./hellodb}
image=${HELLODB_MARIADB_IMAGE:-dbuilder-example/mariadb:10.11}
port=${HELLODB_PORT:-3306}
wait_s=${HELLODB_WAIT:-60}
export HELLODB_HOST=127.0.0.1 HELLODB_PORT=$port HELLODB_USER=root
export HELLODB_PASSWORD=${HELLODB_PASSWORD:-hellodb-check-pw}
export HELLODB_DATABASE=hellodb

say() { printf 'check: %s\n' "$*"; }

[ -x "$hellodb" ] || { say "FAIL: $hellodb is not an executable (run make first)"; exit 1; }
"$hellodb" --version

name=hellodb-check-$$-$RANDOM
cid=""
cleanup() {
	local rc=$?
	if [ -n "$cid" ]; then
		docker rm -f "$cid" >/dev/null 2>&1 || say "warning: could not remove container $name"
	fi
	exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_server_log() {
	say "--- last 40 lines of the server's log ($name) ---"
	docker logs --tail 40 "$cid" 2>&1 | sed 's/^/  | /' || true
	say "--- end of log ---"
}

# No --rm: a server that dies at start keeps its log for the report; the
# trap removes the container in every case.
say "starting $image as $name (127.0.0.1:$port)"
cid=$(docker run -d --name "$name" --label org.dbuilder.example=hellodb-check \
	-e MARIADB_ROOT_PASSWORD="$HELLODB_PASSWORD" -e MARIADB_DATABASE="$HELLODB_DATABASE" \
	-p "127.0.0.1:$port:3306" "$image")

start=$SECONDS
until "$hellodb" --ping 2>/dev/null; do
	if [ "$(docker inspect -f '{{.State.Running}}' "$cid" 2>/dev/null)" != true ]; then
		say "FAIL: the MariaDB container stopped before it accepted connections"
		show_server_log
		exit 1
	fi
	if [ $((SECONDS - start)) -ge "$wait_s" ]; then
		say "FAIL: MariaDB did not accept connections within ${wait_s}s"
		show_server_log
		exit 1
	fi
	sleep 0.5
done
say "server ready after $((SECONDS - start))s"

if ! out=$("$hellodb" 2>&1); then
	say "FAIL: hellodb exited non-zero:"
	printf '%s\n' "$out" | sed 's/^/  | /'
	show_server_log
	exit 1
fi
printf '%s\n' "$out"
case "$out" in
"hellodb: ok hello from mariadb (3 rows, sum 6, server "*)
	say "PASS" ;;
*)
	say "FAIL: unexpected output (wanted 'hellodb: ok hello from mariadb (3 rows, sum 6, server ...)')"
	exit 1 ;;
esac
