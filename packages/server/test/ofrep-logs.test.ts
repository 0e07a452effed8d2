/** An event-stream URL carries a token: the server's request logs must never contain it. */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { SseReader } from './ofrep/sse-reader.js';

describe('OFREP request logs', () => {
  it('log event-stream requests without their query string, so without the token', async () => {
    const child = fork(fileURLToPath(new URL('./ofrep/log-child.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', '--conditions=source'],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    const { url, token } = await new Promise<{ url: string; token: string }>((resolve, reject) => {
      child.once('message', (message) => resolve(message as { url: string; token: string }));
      child.once('exit', (code) => reject(new Error(`the server exited (${code}): ${output}`)));
    });
    const answer = await fetch(`${url}/ofrep/v1/evaluate/flags`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"context":{"targetingKey":"u1"}}',
    });
    const link = ((await answer.json()) as { eventStreams: { url: string }[] }).eventStreams[0]!.url;
    expect(link).toContain(encodeURIComponent(token));
    const stream = await SseReader.open(link);
    expect(stream.status).toBe(200);
    stream.close();
    // A refused stream is logged too (401), with the (wrong) token in its query.
    await (await fetch(`${url}/ofrep/v1/events?token=${token}x`)).text();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.disconnect();
    await exited;
    expect(output).toContain('/ofrep/v1/events');
    expect(output).toContain('/ofrep/v1/evaluate/flags');
    expect(output).not.toContain(token);
    expect(output).not.toContain(encodeURIComponent(token));
    expect(output).not.toContain('token=');
  }, 90_000); // a Node process compiling the server from source: slow on a busy machine
});
