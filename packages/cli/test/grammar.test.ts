/**
 * The grammar of `ensign` as a user meets it: `--help` on every command (exit 0, 80 columns),
 * `--version`, exit codes documented in the root help, and usage errors (exit 64) that say what
 * is wrong before anything is contacted.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ensign, overWide } from './support/ensign.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const COMMANDS = [
  'validate',
  'plan',
  'apply',
  'pull',
  'promote',
  'serve',
  'kill',
  'flag',
  'flag get',
  'flag list',
  'flag kill',
  'flag restore',
  'flag weights',
  'flag history',
  'flag revert',
  'flag stale',
  'flag archive',
  'flag unarchive',
  'refs',
  'generate',
  'lint',
  'token',
  'token create',
  'token list',
  'token revoke',
];

beforeAll(() => assertBuilt());

describe('ensign --help and --version', () => {
  it('documents the commands, the environment and every exit code in 80 columns', async () => {
    const help = await ensign(['--help']);
    expect(help.code).toBe(0);
    expect(overWide(help.stdout)).toEqual([]);
    for (const command of [
      'validate',
      'plan',
      'apply',
      'pull',
      'promote',
      'serve',
      'kill',
      'flag',
      'token',
      'refs',
      'generate',
      'lint',
    ]) {
      expect(help.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
    }
    for (const code of ['0', '1', '2', '3', '4', '5', '64'])
      expect(help.stdout).toMatch(new RegExp(`^  ${code} +\\S`, 'm'));
    expect(help.stdout).toContain('ENSIGN_TOKEN');
  });

  it.each(COMMANDS)('ensign %s --help: usage in 80 columns, exit 0', async (command) => {
    const help = await ensign([...command.split(' '), '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain(`Usage: ensign ${command}`);
    expect(overWide(help.stdout)).toEqual([]);
  });

  it('prints the package version', async () => {
    const version = await ensign(['--version']);
    const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(version).toMatchObject({ code: 0, stdout: `${manifest.version}\n` });
  });
});

describe('usage errors exit 64 before contacting anything', () => {
  it.each([
    [[], 'Usage: ensign'],
    [['bogus'], "unknown command 'bogus'"],
    [['plan'], "missing required argument 'file'"],
    [['plan', 'x.json', '--bogus'], "unknown option '--bogus'"],
    [['flag', 'history', 'x', '--limit', 'many'], '--limit must be an integer'],
    [
      ['token', 'create', '--name', 'x', '--role', 'root'],
      'Allowed choices are admin, editor, viewer, server, client',
    ],
    [['promote', '--from', 'a'], "required option '--to <set>' not specified"],
    [['flag', 'archive'], "missing required argument 'flag'"],
    [['generate', '--format', 'yaml'], 'Allowed choices are typescript, manifest'],
    [['refs', '--context', 'some'], '--context must be an integer'],
    [['refs', '--alias', 'shouting'], '--alias must be one of camelCase'],
    [['lint', '--preset', 'strict'], 'Allowed choices are recommended, off'],
    [['flag', 'stale'], 'give --set SET (or set ENSIGN_SET)'],
  ])('ensign %j', async (args, message) => {
    const result = await ensign(args);
    expect(result.code).toBe(64);
    expect(result.stderr).toContain(message);
  });

  it('asks which flag set, and where the flags are, naming the variables', async () => {
    const noSet = await ensign(['flag', 'list'], { env: { ENSIGN_URL: 'http://127.0.0.1:9' } });
    expect(noSet.code).toBe(64);
    expect(noSet.stderr).toContain('give --set SET (or set ENSIGN_SET)');
    const nowhere = await ensign(['flag', 'list', '--set', 'shop', '--json']);
    expect(nowhere.code).toBe(64);
    expect(nowhere.json()).toMatchObject({ error: { kind: 'usage', exitCode: 64 } });
    expect(nowhere.stderr).toContain('set ENSIGN_URL and ENSIGN_TOKEN');
    const badStore = await ensign(['flag', 'list', '--set', 'shop', '--store', 'postgres']);
    expect(badStore.code).toBe(64);
    expect(badStore.stderr).toContain('--store must be "redis" or "memory:DIR"');
  });
});
