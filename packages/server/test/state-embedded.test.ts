/**
 * The embedded default: a real server without Redis, stopped and started again on the same data
 * directory, still has its flags (versions, history), its tokens and its webhook subscriptions;
 * a second server on the same directory is refused while the first runs.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createServer, findToken, issueToken, openEmbeddedBackends } from '../src/index.js';
import { quiet } from './support/server.js';
import { WebhookReceiver, until } from './support/webhook-receiver.js';

const root = mkdtempSync(join(tmpdir(), 'ensign-embedded-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe(openEmbeddedBackends.name, () => {
  it('keeps flags, tokens and webhooks across a restart of the server', async () => {
    const dataDir = join(root, 'data');
    const seed = {
      flags: { a: { state: 'ENABLED' as const, variants: { on: true, off: false }, defaultVariant: 'on' } },
    };
    const first = openEmbeddedBackends({ dataDir, flagSets: { app: seed }, logger: quiet });
    const server = await createServer({
      store: first.store,
      state: first.state,
      logger: quiet,
      webhooks: false,
    });
    const url = await server.listen();
    const { token } = await issueToken(first.state, { name: 'ops', role: 'admin', createdBy: 'test' });
    await first.store.patchFlag('app', 'a', { state: 'DISABLED' }, { actor: 'alice', reason: 'INC-42' });
    await first.state.put('webhooks', 'wh_1', { url: 'https://hooks.example.com/x' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    await server.close();
    await first.close();

    const second = openEmbeddedBackends({ dataDir, flagSets: { app: seed }, logger: quiet });
    try {
      expect(await second.store.load('app')).toMatchObject({
        version: 2,
        document: { flags: { a: { state: 'DISABLED' } } },
      });
      expect((await second.store.history('app'))[0]).toMatchObject({ actor: 'alice', reason: 'INC-42' });
      expect(await findToken(second.state, token)).toMatchObject({ name: 'ops', role: 'admin' });
      expect(await second.state.get('webhooks', 'wh_1')).toEqual({
        value: { url: 'https://hooks.example.com/x' },
        version: 1,
      });
    } finally {
      await second.close();
    }
  });

  it('resumes webhook delivery after a restart from the cursor kept on disk: no duplicates, no gaps', async () => {
    const dataDir = join(root, 'webhooks');
    const seed = {
      flags: { a: { state: 'ENABLED' as const, variants: { on: true, off: false }, defaultVariant: 'on' } },
    };
    const receiver = await WebhookReceiver.start();
    const webhooks = { pollIntervalMs: 50, leaseTtlMs: 1_000, initialBackoffMs: 50, maxBackoffMs: 100 };
    try {
      const first = openEmbeddedBackends({ dataDir, flagSets: { app: seed }, logger: quiet });
      const server = await createServer({ store: first.store, state: first.state, logger: quiet, webhooks });
      const url = await server.listen();
      const { token } = await issueToken(first.state, { name: 'ops', role: 'admin', createdBy: 'test' });
      const created = await fetch(`${url}/api/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiver.url, flagSets: ['app'] }),
      });
      expect(created.status).toBe(201);
      for (const state of ['DISABLED', 'ENABLED'] as const)
        await first.store.patchFlag('app', 'a', { state });
      await until(() => receiver.received.length === 2, 'two deliveries');
      await server.close();
      await first.close();

      const second = openEmbeddedBackends({ dataDir, logger: quiet });
      // Written before the server is back: delivered once it is.
      for (const state of ['DISABLED', 'ENABLED'] as const)
        await second.store.patchFlag('app', 'a', { state });
      const again = await createServer({ store: second.store, state: second.state, logger: quiet, webhooks });
      await until(() => receiver.received.length >= 4, 'the two written while down');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(receiver.bodies().map((b) => [b.version, b.event])).toEqual([
        [2, 'flag.killed'],
        [3, 'flag.restored'],
        [4, 'flag.killed'],
        [5, 'flag.restored'],
      ]);
      await again.close();
      await second.close();
    } finally {
      await receiver.stop();
    }
  });

  it('refuses a second server on the same directory while the first runs, and takes over a stale lock', async () => {
    const dataDir = join(root, 'locked');
    const first = openEmbeddedBackends({ dataDir });
    expect(() => openEmbeddedBackends({ dataDir })).toThrow(/already open in this process/);
    await first.close();
    writeFileSync(join(dataDir, 'lock'), '1'); // pid 1 (init) always runs
    expect(() => openEmbeddedBackends({ dataDir })).toThrow(
      /another Ensign server \(pid 1\) uses the data directory/,
    );
    // A lock left by a process that is gone, or by this pid in an earlier life (a container's pid 1).
    for (const stale of ['999999999', String(process.pid)]) {
      writeFileSync(join(dataDir, 'lock'), stale);
      const again = openEmbeddedBackends({ dataDir });
      expect(readFileSync(join(dataDir, 'lock'), 'utf8')).toBe(String(process.pid));
      await again.close();
      expect(existsSync(join(dataDir, 'lock'))).toBe(false);
    }
  });
});
