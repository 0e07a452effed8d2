/**
 * The Unleash side of the server benchmark, as one session: PostgreSQL database ready, Unleash
 * started on Node 22, the 100 toggles seeded, a frontend and a backend token made. The caller
 * generates the load (so that ours and Unleash's go through the same load generator, in one run)
 * and asks the session for the kill-switch latency of the Node SDK. Types: `harness.d.mts`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { prepareDatabase } from './database.mjs';
import { INSTALL_HINT, NODE22, harnessInstalled, installedVersion } from './paths.mjs';
import { ADMIN_TOKEN, processCpuMicros, startUnleash } from './server.mjs';
import {
  TOGGLE_COUNT,
  adminApi,
  certainToggles,
  createToken,
  frontendPath,
  seedToggles,
} from './toggles.mjs';

export { INSTALL_HINT, harnessInstalled } from './paths.mjs';
export { KILL_TOGGLE, TOGGLE_COUNT } from './toggles.mjs';

const run = promisify(execFile);

/** Opens a session; `log` hears progress (starting Unleash takes from seconds to a minute). */
export async function openUnleash({ log = () => {}, fresh = process.env.UNLEASH_FRESH_DB === '1' } = {}) {
  if (!harnessInstalled()) throw new Error(`the Unleash harness is not installed (${INSTALL_HINT})`);
  const database = await prepareDatabase({ fresh });
  log(`PostgreSQL ${database.version}: database ${database.created ? 'created' : 'kept'}; starting Unleash…`);
  const server = await startUnleash();
  const call = adminApi(server.url, ADMIN_TOKEN);
  const ui = await call('GET', '/ui-config').catch(async (error) => {
    await server.stop();
    return error;
  });
  if (ui instanceof Error) {
    // A kept database made by something else than this harness has no admin token of ours
    // (Unleash creates it only in a database without tokens): start again on a new one.
    if (fresh || !/HTTP 401/.test(ui.message)) throw ui;
    log('The kept database does not know the harness’s admin token: re-creating it.');
    return openUnleash({ log, fresh: true });
  }
  try {
    log(`Unleash ${ui.version} answered after ${(server.startMs / 1000).toFixed(1)} s; seeding toggles…`);
    const created = await seedToggles(call);
    const frontendToken = await createToken(call, 'frontend');
    const backendToken = await createToken(call, 'backend');
    const node = (await run(NODE22, ['--version'])).stdout.trim();
    log(`${TOGGLE_COUNT} toggles ${created ? 'created' : 'kept from a previous run'}.`);
    const frontendRequest = (context) => ({
      url: `${server.url}${frontendPath(context)}`,
      headers: { authorization: frontendToken },
    });
    return {
      url: server.url,
      pid: server.pid,
      logPath: server.logPath,
      versions: {
        unleash: ui.version,
        node,
        unleashClient: installedVersion('unleash-client'),
        postgres: database.version,
      },
      /** The frontend API request evaluating every toggle for `context` (a GET). */
      frontendRequest,
      /**
       * The frontend API's answer for `context`, once complete: it refreshes from events, so
       * right after seeding it may lack toggles. Complete: every toggle that cannot be off for
       * the context is there, and the answer has not changed for a second.
       */
      async frontendAnswer(context, timeoutMs = 60_000) {
        const { url, headers } = frontendRequest(context);
        const certain = certainToggles(context);
        const started = performance.now();
        let previous = '';
        for (;;) {
          const response = await fetch(url, { headers });
          const text = await response.text();
          const names = new Set(response.ok ? JSON.parse(text).toggles.map((t) => t.name) : []);
          if (text === previous && certain.every((name) => names.has(name)))
            return { bytes: Buffer.byteLength(text), body: JSON.parse(text) };
          if (performance.now() - started > timeoutMs)
            throw new Error(
              `the frontend API did not serve the toggles: HTTP ${response.status} ${text.slice(0, 200)}`,
            );
          previous = text;
          await new Promise((resolve) => setTimeout(resolve, 1000));
        }
      },
      /** The Unleash process's CPU time so far, in µs. */
      cpuMicros: () => processCpuMicros(server.pid),
      /** Kill switch → `clients` Node SDK instances polling every `refreshMs`, `trials` flips. */
      async killSwitchLatency({ clients = 10, trials = 20, refreshMs = 1000 } = {}) {
        const script = fileURLToPath(new URL('./sdk-kill-switch.mjs', import.meta.url));
        const options = {
          url: server.url,
          adminToken: ADMIN_TOKEN,
          backendToken,
          clients,
          trials,
          refreshMs,
        };
        const { stdout } = await run(NODE22, [script, JSON.stringify(options)], { maxBuffer: 16 << 20 });
        return JSON.parse(stdout.trim().split('\n').at(-1));
      },
      close: () => server.stop(),
    };
  } catch (error) {
    await server.stop();
    throw error;
  }
}
