import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagDefinition } from '@ensign/core';
import type { AuditEntry } from '@ensign/store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisServer, freePort } from '../../../test/support/redis-server.js';
import { RedisFlagStore } from '../src/index.js';

const silent = { error: () => {}, warn: () => {}, info: () => {}, debug: () => {} };
const flag: FlagDefinition = { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' };

describe(`${RedisFlagStore.name} over TLS`, () => {
  let dir: string;
  let server: RedisServer;
  let tlsPort: number;
  let ca: Buffer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ensign-tls-'));
    // A self-signed certificate for 127.0.0.1, serving as its own CA.
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    const req = { '-days': '1', '-keyout': key, '-out': cert, '-subj': '/CN=127.0.0.1' };
    const san = ['-addext', 'subjectAltName=IP:127.0.0.1'];
    const opensslArgs = [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      ...Object.entries(req).flat(),
      ...san,
    ];
    execFileSync('openssl', opensslArgs, { stdio: 'ignore' });
    ca = readFileSync(cert);
    tlsPort = await freePort();
    const tls = {
      '--tls-port': String(tlsPort),
      '--tls-cert-file': cert,
      '--tls-key-file': key,
      '--tls-ca-cert-file': cert,
      '--tls-auth-clients': 'no',
    };
    server = await RedisServer.start({ args: Object.entries(tls).flat() });
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes, loads and follows the change feed through a rediss:// URL with the ioredis tls option', async () => {
    const store = new RedisFlagStore({
      url: `rediss://127.0.0.1:${tlsPort}`,
      redis: { tls: { ca } },
      logger: silent,
    });
    try {
      const notices: AuditEntry[] = [];
      await store.follow('tls', '', (n) => notices.push(n));
      await store.putFlag('tls', 'a', flag);
      expect(await store.load('tls')).toMatchObject({ version: 1, document: { flags: { a: flag } } });
      const deadline = Date.now() + 3000;
      while (notices.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      expect(notices.map((n) => n.version)).toEqual([1]);
      // The same data over the plain port proves both went to this server.
      expect(await server.cli('hget', store.keys('tls').meta, 'version')).toBe('1');
    } finally {
      await store.close();
    }
  });
});
