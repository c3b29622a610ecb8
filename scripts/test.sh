#!/usr/bin/env bash
# test.sh: sets the machine up (scripts/setup.sh) and runs every test,
# the real-daemon ones included: DBUILDER_REQUIRE_DOCKER makes a missing
# daemon or image a failure instead of a skip. Extra arguments go to
# `go test` (e.g. -run TestBuildReal; the stress run is then skipped).
# -count=1: results of tests that talk to a daemon must never come from the
# test cache.
set -euo pipefail
cd "$(dirname "$0")/.."
# The tests build for arm64 too: its images are made and emulation is
# turned on (a plain setup makes only the native ones).
DBUILDER_ARCHES=arm64 bash scripts/setup.sh </dev/null
# Test-only: the ssh:// endpoint tests start a private sshd on loopback.
# shellcheck source=scripts/lib.sh
. scripts/lib.sh
if ! command -v sshd >/dev/null 2>&1 && [ ! -x /usr/sbin/sshd ] && is_root && is_debian_like; then
	apt_install openssh-server
fi
# Test-only: distros' TestScripts runs the build scripts on this host
# (dpkg-buildpackage, rpmbuild, ccache), and shellchecks them.
if is_root && is_debian_like; then
	apt_install dpkg-dev debhelper rpm ccache shellcheck
fi
# Test-only: the registry tests (builder/cli registry_real_test.go) run
# Debian's reference registry on loopback, with htpasswd (bcrypt) logins.
if is_root && is_debian_like; then
	apt_install docker-registry apache2-utils
fi
# Test-only: the release tests make a throwaway signing key with gpg.
if ! command -v gpg >/dev/null 2>&1 && is_root && is_debian_like; then
	apt_install gnupg
fi
# Test-only, for the GitLab CI tests: xmllint checks junit.xml against a
# JUnit schema, tmux gives the tty board a real terminal, and the generated
# pipeline runs with gitlab-ci-local from npm (it needs rsync and git).
# 4.65.0 runs on this machine's Node 20; 4.75.1 crashes at start there.
# bash-completion: the shell completion test (builder/cli) runs cobra's
# bash script, which needs its helpers.
if is_root && is_debian_like; then
	apt_install libxml2-utils tmux rsync git bash-completion
fi
if command -v npm >/dev/null 2>&1 && [ "$(gitlab-ci-local --version 2>/dev/null)" != "4.65.0" ]; then
	npm install -g --no-audit --no-fund gitlab-ci-local@4.65.0
fi
# Test-only: GNU hello's Debian source, whose DEP-8 tests the autopkgtest
# test runs (builder/run pkgtest_real_test.go).
bash scripts/fetch-hello.sh
go vet ./...
DBUILDER_REQUIRE_DOCKER=1 go test -count=1 -timeout 40m "$@" ./...
# The cleanup stress test, small: SIGINTs, then SIGKILLs each followed at
# once by gc, at random moments of a real 2-target build (run it by hand
# with a larger N: scripts/stress/interrupts.sh 50).
if [ $# -eq 0 ]; then
	KEEP_CACHE=1 bash scripts/stress/interrupts.sh "${STRESS_TRIES:-2}" int
	bash scripts/stress/interrupts.sh "${STRESS_TRIES:-2}" kill
fi
# The fault script, small: a private daemon's dockerd killed and stopped
# mid-build, a full output tmpfs, a sidecar killed (by hand with more tries:
# FAULT_TRIES=3 FAULT_KILL_TRIES=10 bash scripts/stress/faults.sh).
if [ $# -eq 0 ]; then
	FAULT_TRIES="${FAULT_TRIES:-1}" bash scripts/stress/faults.sh
fi
