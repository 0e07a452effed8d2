#!/usr/bin/env bash
# The main job on the embedded default (no Redis needed): installs what is missing, builds, and runs
# the demo. Extra arguments are passed to the demo.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh
pnpm install --frozen-lockfile --reporter=silent
pnpm build
pnpm demo "$@"
