/**
 * The README's CLI examples, run as written: every ```` ```sh cli-example ```` block of
 * packages/cli/README.md, command by command, through an `ensign` on PATH against a real server,
 * each with the exit code it documents (`# exit N`, else 0). Every other `sh` block must say
 * `no-run` (with the reason beside it), so no example is skipped by accident.
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ENSIGN_BIN, assertBuilt, overWide } from './support/ensign.js';
import { type TempDir, tempDir } from './support/files.js';
import { type TestServer, memoryBackend, startServer } from './support/server.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

interface Example {
  line: number;
  command: string;
  exit: number;
}

/** The commands of the README's `sh cli-example` blocks, in order. */
function readmeExamples(path: string): Example[] {
  const lines = readFileSync(path, 'utf8').split('\n');
  const examples: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    const fence = /^```(\S*)\s*(.*)$/.exec(lines[i]!);
    if (!fence || fence[1] === '') continue;
    const [, language, marker = ''] = fence;
    const start = i;
    const body: { line: number; text: string }[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++)
      body.push({ line: i + 1, text: lines[i]! });
    if (language !== 'sh') continue;
    if (marker === 'no-run') continue;
    if (marker !== 'cli-example')
      throw new Error(`README line ${start + 1}: an sh block is cli-example or no-run, not "${marker}"`);
    for (const { line, text } of body) {
      const trimmed = text.trim();
      if (trimmed === '' || trimmed.startsWith('#')) continue;
      const exit = /#\s*exit (\d+)\s*$/.exec(trimmed);
      examples.push({ line, command: trimmed, exit: exit ? Number(exit[1]) : 0 });
    }
  }
  return examples;
}

/** Runs one command line with bash. */
function shell(command: string, cwd: string, env: Record<string, string>) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const readme = fileURLToPath(new URL('../README.md', import.meta.url));
const examples = readmeExamples(readme);

describe("the README's CLI examples", () => {
  let server: TestServer;
  let dir: TempDir;
  let env: Record<string, string>;

  beforeAll(async () => {
    assertBuilt();
    server = await startServer(memoryBackend());
    dir = tempDir();
    mkdirSync(join(dir.path, 'flags'));
    mkdirSync(join(dir.path, 'bin'));
    for (const [from, to] of [
      ['shop.flags.json', 'shop.json'],
      ['shop-next.flags.json', 'shop-next.json'],
    ] as const) {
      copyFileSync(
        fileURLToPath(new URL(`./fixtures/${from}`, import.meta.url)),
        join(dir.path, 'flags', to),
      );
    }
    const wrapper = join(dir.path, 'bin', 'ensign');
    writeFileSync(wrapper, `#!/bin/sh\nexec "${process.execPath}" "${ENSIGN_BIN}" "$@"\n`);
    chmodSync(wrapper, 0o755);
    env = {
      PATH: `${join(dir.path, 'bin')}:${process.env.PATH ?? ''}`,
      HOME: dir.path,
      ENSIGN_URL: server.url,
      ENSIGN_TOKEN: server.tokens.admin,
    };
  });
  afterAll(async () => {
    await server?.close();
    dir?.remove();
  });

  it('has examples of every command group', () => {
    const text = examples.map((e) => e.command).join('\n');
    for (const command of [
      'validate',
      'plan',
      'apply',
      'pull',
      'promote',
      'kill',
      'flag restore',
      'flag weights',
      'flag history',
      'flag get',
      'token create',
      'token list',
      'flag stale',
      'flag archive',
      'flag unarchive',
      'refs',
      'generate',
      'lint',
    ]) {
      expect(text).toContain(`ensign ${command}`);
    }
  });

  it.each(examples.map((e) => [e.line, e.command, e] as const))(
    'line %i: %s',
    async (_line, _command, example) => {
      // Asynchronously: the server runs in this process and must keep answering meanwhile.
      const result = await shell(example.command, dir.path, env);
      expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(example.exit);
      if (!example.command.includes('--json') && !example.command.includes('>')) {
        expect(overWide(result.stdout)).toEqual([]);
      }
    },
  );
});
