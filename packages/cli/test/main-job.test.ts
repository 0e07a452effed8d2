/**
 * The main job grown: `npm start` (scripts/demo.ts) runs the example app and, on the same flags,
 * the Ensign server, printing its URLs and an admin token; `ensign kill bookings-enabled` from
 * another terminal (here: another process, with the printed variables) turns bookings off in the
 * running app, and `ensign flag restore` turns them on again. The app is observed as ChatGPT sees
 * it: an MCP `tools/call` of `list_bookings` over Streamable HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ensign, overWide } from './support/ensign.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Demo {
  appUrl: string;
  env: Record<string, string>;
  output: string;
}

function startDemo(): Promise<{ child: ChildProcess; demo: Demo }> {
  const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'scripts/demo.ts'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', PORT: '0', ENSIGN_PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(
      () => reject(new Error(`npm start did not print the server within 60 s:\n${output}`)),
      60_000,
    );
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
    });
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const token = /export ENSIGN_TOKEN=(\S+)/.exec(output)?.[1];
      const url = /export ENSIGN_URL=(\S+) ENSIGN_SET=(\S+)/.exec(output);
      const appUrl = /Widget in a simulated ChatGPT host: (\S+?)\/?$/m.exec(output)?.[1];
      if (token && url && appUrl && /flag restore bookings-enabled/.test(output)) {
        clearTimeout(timer);
        resolve({
          child,
          demo: { appUrl, output, env: { ENSIGN_URL: url[1]!, ENSIGN_SET: url[2]!, ENSIGN_TOKEN: token } },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
}

/** `list_bookings` as ChatGPT calls it; resolves whether bookings are in maintenance. */
async function inMaintenance(appUrl: string): Promise<boolean> {
  const response = await fetch(`${appUrl}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'list_bookings', arguments: {}, _meta: { 'openai/subject': 'user-2' } },
    }),
  });
  const text = await response.text();
  const json = text.startsWith('{') ? text : (/^data: (.*)$/m.exec(text)?.[1] ?? text);
  const body = JSON.parse(json) as { result: { structuredContent: { maintenance: boolean } } };
  return body.result.structuredContent.maintenance;
}

async function eventually(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - started;
}

describe('npm start: the example app and the Ensign server on the same flags', () => {
  let child: ChildProcess;
  let demo: Demo;
  beforeAll(async () => {
    assertBuilt();
    ({ child, demo } = await startDemo());
  }, 90_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT');
      await exited;
    }
  });

  it('prints the server URLs and an admin token, in 80 columns', () => {
    expect(demo.output).toMatch(/admin API: http:\/\/127\.0\.0\.1:\d+\/api\/v1/);
    expect(demo.output).toMatch(/OFREP: +http:\/\/127\.0\.0\.1:\d+\/ofrep\/v1/);
    const ours = demo.output.slice(demo.output.indexOf('Ensign server on the same flags'));
    expect(overWide(ours)).toEqual([]);
    expect(demo.env.ENSIGN_SET).toBe('fitness');
  });

  it('serves the dashboard beside the admin API, signed in with the printed token', async () => {
    const at = /dashboard: (http:\/\/127\.0\.0\.1:\d+\/dashboard\/)/.exec(demo.output)?.[1];
    expect(at).toBe(`${demo.env.ENSIGN_URL}/dashboard/`);
    const page = await fetch(at!);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/script-src 'self'/);
    const signIn = await fetch(`${demo.env.ENSIGN_URL}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: demo.env.ENSIGN_URL! },
      body: JSON.stringify({ token: demo.env.ENSIGN_TOKEN }),
    });
    expect(signIn.status).toBe(201);
    expect(signIn.headers.get('set-cookie')).toMatch(/HttpOnly/i);
  });

  it('ensign kill bookings-enabled turns bookings off in the running app; restore turns them on', async () => {
    expect(await inMaintenance(demo.appUrl)).toBe(false);
    const killed = await ensign(['kill', 'bookings-enabled', '--reason', 'main job test'], { env: demo.env });
    expect(killed.code, killed.stderr).toBe(0);
    await eventually(() => inMaintenance(demo.appUrl));
    const restored = await ensign(['flag', 'restore', 'bookings-enabled'], { env: demo.env });
    expect(restored.code, restored.stderr).toBe(0);
    await eventually(async () => !(await inMaintenance(demo.appUrl)));
    const plan = await ensign(['plan', `${ROOT}examples/flags/fitness.flags.json`], { env: demo.env });
    expect(plan.code, plan.stdout + plan.stderr).toBe(0);
  });

  it('stops on Ctrl+C (SIGINT), closing the app and the server', async () => {
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});
