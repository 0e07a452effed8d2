#!/usr/bin/env bash
# The one command that runs every test on a fresh machine: installs pnpm, redis-server, chromium
# and prometheus (promtool) when missing, the workspace's packages, builds, lints, type-checks,
# then runs every test once.
# Tests start their own redis-server processes on free ports; none relies on a Redis already running.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/ensure-tools.sh --system
pnpm install --frozen-lockfile --reporter=silent
pnpm build
pnpm lint
pnpm typecheck
mkdir -p .test-out
status=0
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.test-out/vitest.json || status=$?
# One plain closing line that any CI can read.
node -e '
  const r = JSON.parse(require("fs").readFileSync(".test-out/vitest.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || true
exit $status
