import { ErrorCode, StandardResolutionReasons as Reason } from '@openfeature/core';
import { describe, expect, it } from 'vitest';
import { CompiledFlagSet, compileFlagSet, diffFlagSets } from '../src/index.js';

const document = {
  flags: {
    static: { state: 'ENABLED', variants: { on: true, off: false }, defaultVariant: 'on' },
    targeted: {
      state: 'ENABLED',
      variants: { a: 'A', b: 'B' },
      defaultVariant: 'a',
      targeting: { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'b', null] },
      metadata: { owner: 'growth', version: 'flag-level' },
    },
    'no-default': {
      state: 'ENABLED',
      variants: { a: 1, b: 2 },
      targeting: { if: [{ '==': [{ var: 'tier' }, 'pro'] }, 'b'] },
    },
    'null-default': { state: 'ENABLED', variants: { a: 1, b: 2 }, defaultVariant: null },
    'kill-switch': {
      state: 'DISABLED',
      variants: { on: true, off: false },
      defaultVariant: 'on',
      metadata: { kind: 'kill-switch' },
    },
    'bad-variant': {
      state: 'ENABLED',
      variants: { a: 'A' },
      defaultVariant: 'a',
      targeting: { var: 'pick' },
    },
    object: { state: 'ENABLED', variants: { cfg: { limit: 3 } }, defaultVariant: 'cfg' },
  },
  metadata: { flagSetId: 'from-document', team: 'apps' },
};

const overlay = { flagSetId: 'checkout', version: 7 };
const flags = compileFlagSet(document, { metadata: overlay });

describe(`${CompiledFlagSet.name}.evaluate: flagd's reason table`, () => {
  it('STATIC: no targeting, the default variant', () => {
    expect(flags.evaluate('static', 'boolean', false)).toEqual({
      value: true,
      variant: 'on',
      reason: Reason.STATIC,
      flagMetadata: { flagSetId: 'checkout', team: 'apps', version: 7 },
      flagKey: 'static',
    });
  });

  it('TARGETING_MATCH: targeting named a variant', () => {
    expect(flags.evaluate('targeted', 'string', 'x', { tier: 'pro' })).toMatchObject({
      value: 'B',
      variant: 'b',
      reason: Reason.TARGETING_MATCH,
    });
  });

  it('DEFAULT with a defaultVariant: targeting returned null', () => {
    expect(flags.evaluate('targeted', 'string', 'x', { tier: 'free' })).toMatchObject({
      value: 'A',
      variant: 'a',
      reason: Reason.DEFAULT,
    });
    expect(flags.evaluate('targeted', 'string', 'x')).toMatchObject({ value: 'A', reason: Reason.DEFAULT });
  });

  it('DEFAULT without a defaultVariant: the caller default, no variant, no error', () => {
    for (const key of ['no-default', 'null-default']) {
      const result = flags.evaluate(key, 'number', 42, { tier: 'free' });
      expect(result).toMatchObject({ value: 42, reason: Reason.DEFAULT });
      expect(result.variant).toBeUndefined();
      expect(result.errorCode).toBeUndefined();
    }
    expect(flags.evaluate('no-default', 'number', 42, { tier: 'pro' })).toMatchObject({
      value: 2,
      variant: 'b',
      reason: Reason.TARGETING_MATCH,
    });
  });

  it('DISABLED: the caller default without a variant (the kill switch)', () => {
    const result = flags.evaluate('kill-switch', 'boolean', false, { tier: 'pro' });
    expect(result).toMatchObject({ value: false, reason: Reason.DISABLED });
    expect(result.variant).toBeUndefined();
    expect(result.errorCode).toBeUndefined();
    expect(result.flagMetadata).toEqual({
      flagSetId: 'checkout',
      team: 'apps',
      version: 7,
      kind: 'kill-switch',
    });
  });

  it('FLAG_NOT_FOUND: the caller default with the set metadata', () => {
    expect(flags.evaluate('nope', 'string', 'dflt')).toEqual({
      value: 'dflt',
      reason: Reason.ERROR,
      errorCode: ErrorCode.FLAG_NOT_FOUND,
      errorMessage: 'flag "nope" not found',
      flagMetadata: { flagSetId: 'checkout', team: 'apps', version: 7 },
    });
  });

  it('TYPE_MISMATCH: the flag has another type', () => {
    for (const [type, dflt] of [
      ['string', 'x'],
      ['number', 0],
      ['object', {}],
    ] as const) {
      const result = flags.evaluate('static', type, dflt);
      expect(result).toMatchObject({ value: dflt, reason: Reason.ERROR, errorCode: ErrorCode.TYPE_MISMATCH });
      expect(result.errorMessage).toMatch(`"static" is a boolean flag, not ${type}`);
      expect(result.variant).toBeUndefined();
    }
    expect(flags.evaluate('object', 'object', {})).toMatchObject({
      value: { limit: 3 },
      reason: Reason.STATIC,
    });
  });

  it('GENERAL: targeting returned a variant that does not exist, or not a name', () => {
    const unknown = flags.evaluate('bad-variant', 'string', 'dflt', { pick: 'zzz' });
    expect(unknown).toMatchObject({ value: 'dflt', reason: Reason.ERROR, errorCode: ErrorCode.GENERAL });
    expect(unknown.errorMessage).toContain('variant "zzz", which is not defined');
    expect(flags.evaluate('bad-variant', 'string', 'dflt', { pick: { a: 1 } })).toMatchObject({
      value: 'dflt',
      errorCode: ErrorCode.GENERAL,
      errorMessage: 'targeting of flag "bad-variant" returned an object, not a variant name',
    });
    expect(flags.evaluate('bad-variant', 'string', 'dflt', { pick: 'a' })).toMatchObject({
      value: 'A',
      reason: Reason.TARGETING_MATCH,
    });
  });

  it('hands out prepared results: a successful evaluation allocates no result object', () => {
    const pro = flags.evaluate('targeted', 'string', 'x', { tier: 'pro' });
    expect(flags.evaluate('targeted', 'string', 'y', { tier: 'pro', other: 1 })).toBe(pro);
    expect(flags.evaluate('static', 'boolean', false)).toBe(
      flags.evaluate('static', 'boolean', true, { a: 1 }),
    );
    expect(flags.evaluate('targeted', 'string', 'x', { tier: 'free' })).toBe(
      flags.evaluate('targeted', 'string', 'x'),
    );
    const [first] = flags.evaluateAll({ tier: 'pro' });
    expect(flags.evaluateAll({ tier: 'free' })[0]).toBe(first);
  });

  it('returns frozen results and values that callers cannot mutate', () => {
    const result = flags.evaluate('object', 'object', {});
    expect(Object.isFrozen(result.value)).toBe(true);
    expect(Object.isFrozen(result.flagMetadata)).toBe(true);
    expect(() => {
      (result.value as { limit: number }).limit = 4;
    }).toThrow(TypeError);
    expect(flags.evaluate('object', 'object', {}).value).toEqual({ limit: 3 });
  });
});

describe('metadata', () => {
  it('merges set metadata, the overlay and the flag metadata, flag metadata winning', () => {
    expect(flags.evaluate('targeted', 'string', 'x').flagMetadata).toEqual({
      flagSetId: 'checkout',
      team: 'apps',
      version: 'flag-level',
      owner: 'growth',
    });
    expect(flags.metadata).toEqual({ flagSetId: 'checkout', team: 'apps', version: 7 });
  });

  it('without an overlay uses the document metadata alone', () => {
    const plain = compileFlagSet(document);
    expect(plain.evaluate('static', 'boolean', false).flagMetadata).toEqual({
      flagSetId: 'from-document',
      team: 'apps',
    });
    expect(
      compileFlagSet({ flags: document.flags }).evaluate('static', 'boolean', false).flagMetadata,
    ).toEqual({});
  });

  it('comes with every error too', () => {
    const result = flags.evaluate('bad-variant', 'string', 'x', { pick: 'zzz' });
    expect(result.flagMetadata).toMatchObject({ flagSetId: 'checkout', version: 7 });
  });
});

describe(`${CompiledFlagSet.name}.evaluateAll`, () => {
  it('evaluates every flag in document order, disabled ones included', () => {
    const all = flags.evaluateAll({ tier: 'pro', pick: 'zzz' });
    expect(all.map((r) => [r.flagKey, r.reason, r.variant, r.value, r.errorCode])).toEqual([
      ['static', Reason.STATIC, 'on', true, undefined],
      ['targeted', Reason.TARGETING_MATCH, 'b', 'B', undefined],
      ['no-default', Reason.TARGETING_MATCH, 'b', 2, undefined],
      ['null-default', Reason.DEFAULT, undefined, undefined, undefined],
      ['kill-switch', Reason.DISABLED, undefined, undefined, undefined],
      ['bad-variant', Reason.ERROR, undefined, undefined, ErrorCode.GENERAL],
      ['object', Reason.STATIC, 'cfg', { limit: 3 }, undefined],
    ]);
    expect(all.every((r) => r.flagMetadata.flagSetId === 'checkout')).toBe(true);
  });

  it('agrees with evaluate for every flag', () => {
    const context = { tier: 'free', targetingKey: 'u-1' };
    for (const result of flags.evaluateAll(context)) {
      const type = flags.get(result.flagKey)!.program.valueType!;
      const single = flags.evaluate(result.flagKey, type, 'caller-default' as never, context);
      expect(single.reason).toBe(result.reason);
      expect(single.variant).toBe(result.variant);
      expect(single.value).toEqual(result.value ?? 'caller-default');
    }
  });

  it('exposes keys, size and toDocument', () => {
    expect(flags.keys()).toEqual(Object.keys(document.flags));
    expect(flags.size).toBe(7);
    expect(flags.toDocument()).toEqual(document);
  });
});

describe('the README example', () => {
  it('gives the results the README shows', () => {
    const readme = compileFlagSet(
      {
        flags: {
          'new-checkout': {
            state: 'ENABLED',
            variants: { on: true, off: false },
            defaultVariant: 'off',
            targeting: {
              if: [
                { in: [{ var: 'tier' }, ['pro', 'business']] },
                'on',
                {
                  fractional: [
                    ['on', 25],
                    ['off', 75],
                  ],
                },
              ],
            },
            metadata: { kind: 'release', owner: 'checkout-team' },
          },
        },
        metadata: { flagSetId: 'shop' },
      },
      { invalidFlags: 'isolate', metadata: { version: 42 } },
    );
    expect(
      readme.evaluate('new-checkout', 'boolean', false, { targetingKey: 'user-1', tier: 'pro' }),
    ).toEqual({
      value: true,
      variant: 'on',
      reason: 'TARGETING_MATCH',
      flagMetadata: { flagSetId: 'shop', version: 42, kind: 'release', owner: 'checkout-team' },
      flagKey: 'new-checkout',
    });
    expect(readme.evaluateAll({ targetingKey: 'user-1' })).toHaveLength(1);
    const next = readme.update({ flags: { 'new-checkout': null } });
    expect(diffFlagSets(readme, next)).toEqual({ added: [], removed: ['new-checkout'], changed: [] });
    expect(readme.keys()).toEqual(['new-checkout']);
  });
});
