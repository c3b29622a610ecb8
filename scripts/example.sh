#!/usr/bin/env bash
# example.sh: the newcomer's first command. Sets the machine up (engine and
# images, scripts/setup.sh), builds dbuilder, and runs the main job on the
# bundled example: `dbuilder build` on the repo's matrix.yaml (hellodb on
# debian:bookworm and debian:trixie, each next to its own Docker daemon).
# Extra arguments go to `dbuilder build` (e.g. --distro debian:trixie -j 1).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh </dev/null
go build -o dbuilder ./cmd/dbuilder
exec ./dbuilder build -f matrix.yaml "$@"
