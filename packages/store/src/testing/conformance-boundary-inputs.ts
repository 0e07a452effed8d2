/**
 * Boundary inputs of the `FlagStore` conformance suite: malformed arguments, ill-formed Unicode, deep
 * nesting, shared references, prototype-like keys and set ids that would break a key layout.
 */
import { type FlagDefinition, FlagSetValidationError } from '@ensign/core';
import { expect, it } from 'vitest';
import { InvalidArgumentError } from '../index.js';
import { type FlagStoreConformanceContext, boolFlag, newSet } from './conformance-context.js';

/** Registers the tests of malformed, odd and hostile inputs. */
export function boundaryInputTests({ store }: FlagStoreConformanceContext): void {
  it('refuses malformed arguments before anything is read or written, naming the argument', async () => {
    const s = await store();
    const set = newSet('arguments');
    await s.putFlag(set, 'a', boolFlag());
    const refusals: [Promise<unknown>, RegExp][] = [
      [s.patchFlag(set, 'a', 'xy' as never), /patchFlag: patch must be an object/],
      [s.patchFlag(set, 'a', 5 as never), /patch must be an object/],
      [s.patchFlag(set, 'a', [] as never), /patch must be an object.*array/],
      [s.patchFlag(set, 'a', true as never), /patch must be an object/],
      [s.patchFlag(set, 'a', {}), /patch changes nothing/],
      [s.patchFlag(set, 'a', { sate: 'DISABLED' } as never), /patch\.sate is not a flag field/],
      [s.patchFlag(set, 'a', { state: 'OFF' } as never), /patch\.state must be 'ENABLED' or 'DISABLED'/],
      [s.patchFlag(set, 'a', { variants: null } as never), /patch\.variants must be an object/],
      [
        s.patchFlag(set, 'a', { state: 'DISABLED' }, { reason: null } as never),
        /options\.reason must be a string/,
      ],
      [
        s.patchFlag(set, 'a', { state: 'DISABLED' }, { actor: 5 } as never),
        /options\.actor must be a string/,
      ],
      [s.patchFlag(set, 'a', { state: 'DISABLED' }, { actor: '' }), /options\.actor must not be empty/],
      [
        s.patchFlag(set, 'a', { state: 'DISABLED' }, { expectedVerison: 1 } as never),
        /options\.expectedVerison is not a write option/,
      ],
      [
        s.patchFlag(set, 'a', { state: 'DISABLED' }, { expectedVersion: 1.5 }),
        /expectedVersion must be a non-negative integer/,
      ],
      [s.patchFlag(set, 'a', { state: 'DISABLED' }, { reason: 'x\uD800' }), /well-formed Unicode/],
      [s.patchFlag(set, 'a', { state: 'DISABLED' }, 'alice' as never), /options must be an object/],
      [s.putFlag(set, 'b', null as never), /putFlag: flag must be a flag object/],
      [s.putFlag(set, 'b', [] as never), /flag must be a flag object/],
      [s.replaceFlagSet(set, null as never), /replaceFlagSet: document must be a flag-set document/],
      [s.replaceFlagSet(set, { flags: [] } as never), /document\.flags must be an object/],
      [s.revert(set, Number.NaN), /revert: version must be a non-negative integer/],
      [s.revert(set, -1), /version must be a non-negative integer/],
    ];
    for (const [attempt, message] of refusals) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error, String(message)).toBeInstanceOf(InvalidArgumentError);
      expect((error as Error).message).toMatch(message);
    }
    await expect(s.patchFlag(null as never, 'a', { state: 'DISABLED' })).rejects.toThrow(
      /flag set id null is invalid/,
    );
    await expect(s.patchFlag(set, null as never, { state: 'DISABLED' })).rejects.toThrow(
      /flag key null is invalid/,
    );
    expect(await s.version(set)).toBe(1);
    expect(await s.history(set)).toHaveLength(1);
  });

  it('refuses a flag key or set id that is not well-formed Unicode, in every store alike', async () => {
    const s = await store();
    const set = newSet('surrogate');
    await expect(s.putFlag(set, 'bad\uD800', boolFlag())).rejects.toThrow(/flag key .* well-formed Unicode/);
    await expect(s.putFlag(set, '\uDC00x', boolFlag())).rejects.toThrow(/well-formed Unicode/);
    await expect(s.putFlag(`${set}\uD800`, 'a', boolFlag())).rejects.toThrow(/flag set id .* well-formed/);
    await s.putFlag(set, 'ok-\u{1F680}', boolFlag());
    expect(Object.keys((await s.load(set)).document.flags)).toEqual(['ok-\u{1F680}']);
  });

  it('refuses input nested far too deep with a validation error, not a stack overflow', async () => {
    const s = await store();
    const set = newSet('deep');
    await s.putFlag(set, 'a', boolFlag());
    let rule: Record<string, unknown> = { var: 'x' };
    for (let i = 0; i < 100_000; i++) rule = { '!': [rule] };
    const deepFlag = { ...boolFlag(), targeting: rule } as FlagDefinition;
    for (const attempt of [
      s.putFlag(set, 'deep', deepFlag),
      s.patchFlag(set, 'a', { targeting: rule as never }),
      s.replaceFlagSet(set, { flags: { deep: deepFlag } }),
    ]) {
      const error = await attempt.catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FlagSetValidationError);
      expect((error as FlagSetValidationError).issues[0]).toMatchObject({
        path: expect.stringMatching(/^\/flags\/(deep|a)$/),
        message: expect.stringMatching(/nested deeper than/),
      });
    }
    expect(await s.version(set)).toBe(1);
  });

  it('hands out copies: callers cannot change stored state', async () => {
    const s = await store();
    const set = newSet('copies');
    const flag = boolFlag();
    await s.putFlag(set, 'a', flag);
    flag.defaultVariant = 'on';
    const snapshot = await s.load(set);
    expect(snapshot.document.flags.a!.defaultVariant).toBe('off');
    snapshot.document.flags.a!.state = 'DISABLED';
    ((await s.history(set))[0]!.after as FlagDefinition).state = 'DISABLED';
    expect((await s.load(set)).document.flags.a).toEqual(boolFlag());
    expect((await s.history(set))[0]!.after).toEqual(boolFlag());
  });

  it('keeps flags named like Object.prototype members as ordinary flags', async () => {
    const s = await store();
    const set = newSet('proto');
    for (const key of ['__proto__', 'constructor', 'toString']) await s.putFlag(set, key, boolFlag());
    await s.patchFlag(set, '__proto__', { state: 'DISABLED' });
    const { flags } = (await s.load(set)).document;
    expect(Object.keys(flags).sort()).toEqual(['__proto__', 'constructor', 'toString']);
    expect(Object.getPrototypeOf(flags)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(flags, '__proto__')?.value).toEqual({
      ...boolFlag(),
      state: 'DISABLED',
    });
    const [patched] = await s.history(set, { limit: 1 });
    expect(patched).toMatchObject({ flagKey: '__proto__', after: { ...boolFlag(), state: 'DISABLED' } });
    await s.revert(set, 1);
    expect(Object.keys((await s.load(set)).document.flags)).toEqual(['__proto__']);
    await s.deleteFlag(set, '__proto__');
    expect((await s.load(set)).document.flags).toEqual({});
  });

  it('refuses set ids that would break the key layout', async () => {
    const s = await store();
    await expect(s.load('')).rejects.toThrow(/flag set id/);
    await expect(s.putFlag('a{b}', 'x', boolFlag())).rejects.toThrow(/hash tag/);
    await expect(s.putFlag('ok', '', boolFlag())).rejects.toThrow(/flag key/);
  });
}
