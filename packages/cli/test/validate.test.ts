/** `ensign validate`: every problem with its flag key and JSON Pointer, exit 1, JSON by schema. */
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { assertBuilt, ensign, overWide } from './support/ensign.js';
import { shopFlags, tempDir } from './support/files.js';
import { assertSchema } from './support/schemas.js';

// Each step is a Node process (the installed binary); on a loaded machine a step can take seconds.
vi.setConfig({ testTimeout: 180_000, hookTimeout: 180_000 });

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url).pathname;

beforeAll(() => assertBuilt());

describe('ensign validate', () => {
  it('accepts a valid file (exit 0)', async () => {
    const result = await ensign(['validate', fixture('shop.flags.json'), '--json']);
    expect(result.code).toBe(0);
    assertSchema('validate', result.json());
    expect(result.json()).toMatchObject({ valid: true });
  });

  it('reports every problem with its flag key and JSON Pointer (exit 1), in 80 columns', async () => {
    const human = await ensign(['validate', fixture('invalid.flags.json')]);
    expect(human.code).toBe(1);
    expect(overWide(human.stdout)).toEqual([]);
    expect(human.stdout).toContain('2 problems');
    expect(human.stdout).toContain('flag "checkout-v2" at /flags/checkout-v2/defaultVariant:');
    expect(human.stdout).toContain('flag "banner-text" at /flags/banner-text/state:');
    const json = await ensign(['validate', fixture('invalid.flags.json'), '--json']);
    assertSchema('validate', json.json());
    expect(json.json()).toMatchObject({
      valid: false,
      files: [
        {
          valid: false,
          problems: [
            { flagKey: 'checkout-v2', pointer: '/flags/checkout-v2/defaultVariant' },
            { flagKey: 'banner-text', pointer: '/flags/banner-text/state' },
          ],
        },
      ],
    });
  });

  it('names the line and column of a JSON syntax error, and still checks the other files', async () => {
    const dir = tempDir();
    try {
      const broken = dir.write('broken.json', '{\n  "flags": {\n    "a": { "state": "ENABLED", }\n  }\n}\n');
      const good = dir.write('good.json', shopFlags());
      const result = await ensign(['validate', broken, good, `${dir.path}/missing.json`, '--json']);
      expect(result.code).toBe(1);
      const out = result.json<{
        files: { path: string; valid: boolean; problems: { message: string }[] }[];
      }>();
      assertSchema('validate', out);
      expect(out.files.map((f) => f.valid)).toEqual([false, true, false]);
      expect(out.files[0]!.problems[0]!.message).toMatch(/line 3, column \d+/);
      expect(out.files[2]!.problems[0]!.message).toContain('does not exist');
    } finally {
      dir.remove();
    }
  });
});
