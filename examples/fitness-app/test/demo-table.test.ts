/**
 * The first thing a newcomer sees: the flag table `npm start` prints (scripts/demo.ts), and the
 * sample set's kill switch behind it. A kill switch is named for what `true` means, so
 * `bookings-enabled true` reads as "bookings work" and the off variant is `false`.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type FlagDefinition, compileFlagSet } from '@ensign/core';
import { describe, expect, it } from 'vitest';
import { readSampleFlags } from '../src/app.js';
import { BOOKINGS_ENABLED } from '../src/flag-keys.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

describe('the sample kill switch and the demo table', () => {
  it('names the kill switch for what true means: on = true = working, off = false', async () => {
    const document = await readSampleFlags();
    const flag = document.flags[BOOKINGS_ENABLED] as FlagDefinition;
    expect(flag).toMatchObject({
      state: 'ENABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'kill-switch', killSwitchOffVariant: 'off' },
    });
    // No flag in the sample set is named after its off state any more.
    expect(Object.keys(document.flags).filter((key) => key.includes('kill'))).toEqual([]);
    const flags = compileFlagSet(document);
    expect(flags.evaluate(BOOKINGS_ENABLED, 'boolean', false, { targetingKey: 'u' })).toMatchObject({
      value: true,
      variant: 'on',
      reason: 'STATIC',
    });
  });

  it('prints bookings-enabled true (on) for every user in the first table of npm start', async () => {
    const { stdout } = await run(
      process.execPath,
      ['--conditions=source', '--import', 'tsx', 'scripts/demo.ts', '--no-server'],
      { cwd: ROOT, timeout: 60_000 },
    );
    const lines = stdout.split('\n');
    expect(lines).toContain(`  ${'flag'.padEnd(24)} ${'value'.padEnd(9)} reason (variant)`);
    const rows = lines.filter((line) => line.trimStart().startsWith(`${BOOKINGS_ENABLED} `));
    expect(rows).toHaveLength(4);
    for (const row of rows)
      expect(row.split(/\s+/).filter(Boolean)).toEqual([BOOKINGS_ENABLED, 'true', 'STATIC', '(on)']);
    expect(stdout).not.toContain('kill-switch');
  });
});
