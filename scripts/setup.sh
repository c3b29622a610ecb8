#!/usr/bin/env bash
# setup.sh: everything a fresh machine needs before dbuilder can build and
# test: a Docker engine (setup-engine.sh), then the images made locally
# without any registry (make-images.sh). Idempotent; a second run takes
# seconds. Used by the README's newcomer commands and by .ci/run.
# DBUILDER_ARCHES="arm64 ..." also turns on emulation for those
# architectures and makes their base images (scripts/test.sh asks for arm64;
# a plain setup makes only the native ones, to keep it short).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$here/lib.sh"

start=$(now)
t=$(now)
bash "$here/setup-engine.sh"
log setup "engine step took $(elapsed "$t")"
t=$(now)
bash "$here/make-images.sh"
log setup "images step took $(elapsed "$t")"
log setup "done in $(elapsed "$start")"
