#!/usr/bin/env bash
# test.sh: sets the machine up (scripts/setup.sh) and runs every test,
# the real-daemon ones included: DBUILDER_REQUIRE_DOCKER makes a missing
# daemon or image a failure instead of a skip. Extra arguments go to
# `go test` (e.g. -run TestBuildReal). -count=1: results of tests that
# talk to a daemon must never come from the test cache.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh </dev/null
# Test-only: the ssh:// endpoint tests start a private sshd on loopback.
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ] && is_root && is_debian_like; then
	apt_install openssh-server
fi
go vet ./...
DBUILDER_REQUIRE_DOCKER=1 go test -count=1 -timeout 40m "$@" ./...
