/**
 * `@ensign/dashboard`: the web UI of Ensign, built into static files (`dist-ui/`) that
 * `@ensign/server` serves at `/dashboard/` (`createServer({ dashboard: { assetsDir:
 * DASHBOARD_ASSETS_DIR } })`, which `ensign serve` does). This entry only says where the files are.
 * @packageDocumentation
 */
import { fileURLToPath } from 'node:url';

/**
 * The folder of the built dashboard (`index.html` and its hashed assets), written by `pnpm build`.
 * @example
 * const server = await createServer({ store, dashboard: { assetsDir: DASHBOARD_ASSETS_DIR } });
 */
export const DASHBOARD_ASSETS_DIR: string = fileURLToPath(new URL('../dist-ui/', import.meta.url));
