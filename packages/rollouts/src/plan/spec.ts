/**
 * The rollout plan as people write it (API body, CLI plan file) and as it is stored: which flag,
 * which variant is released and which it replaces, the stages, the guardrails, and what to do on
 * harm and on an inconclusive stage. `parsePlanSpec` checks the shape and fills the defaults;
 * `checkPlanAgainstFlag` (`check-flag.ts`) checks it against the flag as stored.
 */
import { RolloutError, type RolloutProblem } from '../errors.js';

/** A percentage stage: hold `percent` until both conditions are met and the guardrails allow more. */
export interface StageSpec {
  /** Share of the two variants' traffic that gets the released variant, in (0, 100]. */
  readonly percent: number;
  /** Least time at this stage, in ms (API and files also take `"30m"`, `"2h"`, `"1d"`). */
  readonly minDurationMs: number;
  /** Least exposure units per arm (released, replaced) before the stage may end. */
  readonly minUnitsPerArm: number;
}

/** What a guardrail measures and which way is harm. */
export interface GuardrailSpec {
  /** The tracking event name (`error`, `purchase`, `latency`); evaluation errors count as `error`. */
  readonly metric: string;
  /**
   * `proportion`: share of units with at least one event (error rate, conversion rate);
   * `mean`: mean value per event (latency).
   */
  readonly kind: 'proportion' | 'mean';
  /** `increase`: harm is the metric going up (errors, latency); `decrease`: going down (conversions). */
  readonly direction: 'increase' | 'decrease';
  /** Harm is an effect beyond this, in the metric's units (0.005 = half a point of error rate). @default 0 */
  readonly tolerance: number;
  /**
   * SLO-style limit for low-traffic flags where no test has power: harm when the released arm's
   * value is beyond it (above for `increase`, below for `decrease`) once a stage has its minimum
   * units. Checked in addition to the sequential test.
   */
  readonly threshold?: number;
  /** Run the anytime-valid harm test (off: threshold only). @default true */
  readonly sequential: boolean;
  /**
   * Pause when no event of this metric reached the aggregates since the plan started, once the
   * first stage's minimum duration has passed (a metric nobody emits must not look healthy).
   * Set `false` for a metric that may legitimately stay at zero. @default true
   */
  readonly requireEvents: boolean;
}

/** The whole plan. */
export interface RolloutPlanSpec {
  /** The plan's id within the flag set: letters, digits, `.`, `_`, `-`. @default the flag key */
  readonly id: string;
  readonly flagKey: string;
  /** The variant being released. */
  readonly release: string;
  /** The variant it replaces (the control arm). */
  readonly replace: string;
  /** Strictly increasing percentages. */
  readonly stages: readonly StageSpec[];
  readonly guardrails: readonly GuardrailSpec[];
  /** On harm: `rollback` (the released variant back to 0%) or `kill` (the flag's kill switch). @default 'rollback' */
  readonly onHarm: 'rollback' | 'kill';
  /**
   * When a stage has run its course and the tests neither show harm nor rule it out: `proceed`
   * to the next stage, or `hold` until they rule it out. @default 'proceed'
   */
  readonly onInconclusive: 'hold' | 'proceed';
  /**
   * The plan's false-rollback rate: the chance, over the whole rollout and however often the
   * controller looks, that a release with no true harm is rolled back (split evenly across the
   * sequential guardrails). @default 0.05
   */
  readonly alpha: number;
  /** Units per arm before any test may conclude (the normal approximations need them). @default 200 */
  readonly minUnitsForTests: number;
}

/** Defaults of optional plan fields. */
export const PLAN_DEFAULTS = {
  onHarm: 'rollback',
  onInconclusive: 'proceed',
  alpha: 0.05,
  minUnitsForTests: 200,
  tolerance: 0,
} as const;

/** Plan and schedule ids: letters, digits, `.`, `_`, `-`; at most 64 characters. */
export const PLAN_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a duration given as a number of ms or as `"90s"`, `"30m"`, `"2h"`, `"1d"`; `undefined` when invalid. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/.exec(value.trim());
  if (!match) return undefined;
  const ms = Math.round(Number(match[1]) * UNITS[match[2]!]!);
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** A duration for people: `2h 5m`, `45s`. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))}ms`;
  const parts: string[] = [];
  let rest = Math.round(ms / 1_000);
  for (const [unit, size] of [
    ['d', 86_400],
    ['h', 3_600],
    ['m', 60],
    ['s', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
    if (parts.length === 2) break;
  }
  return parts.join(' ');
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const text = (value: unknown): value is string =>
  typeof value === 'string' && value !== '' && value.length <= 256;

/** Collects problems while reading an untrusted object. */
class Reader {
  readonly problems: RolloutProblem[] = [];

  problem(pointer: string, message: string): void {
    this.problems.push({ pointer, message });
  }

  unknownFields(value: Record<string, unknown>, allowed: readonly string[], pointer: string): void {
    for (const key of Object.keys(value))
      if (!allowed.includes(key)) this.problem(`${pointer}/${key}`, 'is not an allowed field');
  }
}

const PLAN_FIELDS = [
  'id',
  'flagKey',
  'release',
  'replace',
  'stages',
  'guardrails',
  'onHarm',
  'onInconclusive',
  'alpha',
  'minUnitsForTests',
];
const STAGE_FIELDS = ['percent', 'minDuration', 'minDurationMs', 'minUnitsPerArm'];
const GUARDRAIL_FIELDS = [
  'metric',
  'kind',
  'direction',
  'tolerance',
  'threshold',
  'sequential',
  'requireEvents',
];

function readStage(reader: Reader, raw: unknown, i: number): StageSpec | undefined {
  const at = `/stages/${i}`;
  if (!isObject(raw)) {
    reader.problem(at, 'must be an object with percent, minDuration and minUnitsPerArm');
    return undefined;
  }
  reader.unknownFields(raw, STAGE_FIELDS, at);
  const percent = raw.percent;
  if (typeof percent !== 'number' || !(percent > 0 && percent <= 100))
    reader.problem(`${at}/percent`, 'must be a number above 0 and at most 100');
  const durationRaw = raw.minDurationMs ?? raw.minDuration ?? 0;
  const minDurationMs = parseDuration(durationRaw);
  if (minDurationMs === undefined)
    reader.problem(`${at}/minDuration`, 'must be a duration such as "30m", "2h", "1d" or a number of ms');
  const minUnitsPerArm = raw.minUnitsPerArm ?? 0;
  if (typeof minUnitsPerArm !== 'number' || !Number.isSafeInteger(minUnitsPerArm) || minUnitsPerArm < 0)
    reader.problem(`${at}/minUnitsPerArm`, 'must be a non-negative integer');
  if (typeof percent !== 'number' || minDurationMs === undefined || typeof minUnitsPerArm !== 'number')
    return undefined;
  return { percent, minDurationMs, minUnitsPerArm };
}

function readGuardrail(reader: Reader, raw: unknown, i: number): GuardrailSpec | undefined {
  const at = `/guardrails/${i}`;
  if (!isObject(raw)) {
    reader.problem(at, 'must be an object with metric, kind and direction');
    return undefined;
  }
  reader.unknownFields(raw, GUARDRAIL_FIELDS, at);
  const { metric, kind, direction } = raw;
  const before = reader.problems.length;
  if (!text(metric)) reader.problem(`${at}/metric`, 'must be a tracking event name (1 to 256 characters)');
  if (kind !== 'proportion' && kind !== 'mean')
    reader.problem(`${at}/kind`, 'must be "proportion" or "mean"');
  if (direction !== 'increase' && direction !== 'decrease')
    reader.problem(`${at}/direction`, 'must be "increase" (harm is going up) or "decrease"');
  const tolerance = raw.tolerance ?? PLAN_DEFAULTS.tolerance;
  if (typeof tolerance !== 'number' || !Number.isFinite(tolerance) || tolerance < 0)
    reader.problem(`${at}/tolerance`, 'must be a finite number >= 0');
  const threshold = raw.threshold;
  if (threshold !== undefined && (typeof threshold !== 'number' || !Number.isFinite(threshold)))
    reader.problem(`${at}/threshold`, 'must be a finite number');
  if (kind === 'proportion' && typeof threshold === 'number' && !(threshold >= 0 && threshold <= 1))
    reader.problem(`${at}/threshold`, 'of a proportion must be between 0 and 1');
  const sequential = raw.sequential ?? true;
  if (typeof sequential !== 'boolean') reader.problem(`${at}/sequential`, 'must be true or false');
  if (sequential === false && threshold === undefined)
    reader.problem(
      `${at}/threshold`,
      'is required when sequential is false (the guardrail would check nothing)',
    );
  const requireEvents = raw.requireEvents ?? true;
  if (typeof requireEvents !== 'boolean') reader.problem(`${at}/requireEvents`, 'must be true or false');
  if (reader.problems.length > before) return undefined;
  return {
    metric: metric as string,
    kind: kind as GuardrailSpec['kind'],
    direction: direction as GuardrailSpec['direction'],
    tolerance: tolerance as number,
    ...(typeof threshold === 'number' && { threshold }),
    sequential: sequential as boolean,
    requireEvents: requireEvents as boolean,
  };
}

/**
 * Reads a plan from an untrusted value (an API body, a plan file): every problem by JSON
 * Pointer, defaults filled in.
 * @throws {RolloutError} `invalid-plan` with every problem found.
 */
export function parsePlanSpec(flagSet: string, raw: unknown): RolloutPlanSpec {
  const reader = new Reader();
  if (!isObject(raw)) throw new RolloutError('invalid-plan', flagSet, 'a rollout plan must be a JSON object');
  reader.unknownFields(raw, PLAN_FIELDS, '');
  const { flagKey, release, replace } = raw;
  if (!text(flagKey)) reader.problem('/flagKey', 'must be a flag key');
  const id = raw.id ?? flagKey;
  if (typeof id !== 'string' || !PLAN_ID_PATTERN.test(id))
    reader.problem(
      '/id',
      'must be 1 to 64 letters, digits, ".", "_" or "-" (default: the flag key, when it is one)',
    );
  if (!text(release)) reader.problem('/release', 'must name the variant being released');
  if (!text(replace)) reader.problem('/replace', 'must name the variant it replaces');
  if (text(release) && release === replace) reader.problem('/replace', 'must differ from release');
  const stages: StageSpec[] = [];
  if (!Array.isArray(raw.stages) || raw.stages.length === 0 || raw.stages.length > 20) {
    reader.problem('/stages', 'must list 1 to 20 stages');
  } else {
    raw.stages.forEach((stage, i) => {
      const read = readStage(reader, stage, i);
      if (read) stages.push(read);
    });
    for (let i = 1; i < stages.length; i++) {
      if (!(stages[i]!.percent > stages[i - 1]!.percent))
        reader.problem(
          `/stages/${i}/percent`,
          `must be above the previous stage's ${stages[i - 1]!.percent}% (stages only increase; a rollback is the controller's job)`,
        );
    }
  }
  const guardrails: GuardrailSpec[] = [];
  if (!Array.isArray(raw.guardrails) || raw.guardrails.length > 10) {
    reader.problem(
      '/guardrails',
      'must list at most 10 guardrails (an empty list means no automatic rollback)',
    );
  } else {
    raw.guardrails.forEach((guardrail, i) => {
      const read = readGuardrail(reader, guardrail, i);
      if (read) guardrails.push(read);
    });
    const seen = new Set<string>();
    guardrails.forEach((g, i) => {
      if (seen.has(g.metric)) reader.problem(`/guardrails/${i}/metric`, `"${g.metric}" is guarded twice`);
      seen.add(g.metric);
    });
  }
  const onHarm = raw.onHarm ?? PLAN_DEFAULTS.onHarm;
  if (onHarm !== 'rollback' && onHarm !== 'kill') reader.problem('/onHarm', 'must be "rollback" or "kill"');
  const onInconclusive = raw.onInconclusive ?? PLAN_DEFAULTS.onInconclusive;
  if (onInconclusive !== 'hold' && onInconclusive !== 'proceed')
    reader.problem('/onInconclusive', 'must be "hold" or "proceed"');
  const alpha = raw.alpha ?? PLAN_DEFAULTS.alpha;
  if (typeof alpha !== 'number' || !(alpha > 0 && alpha <= 0.5))
    reader.problem('/alpha', 'must be in (0, 0.5]');
  const minUnitsForTests = raw.minUnitsForTests ?? PLAN_DEFAULTS.minUnitsForTests;
  if (
    typeof minUnitsForTests !== 'number' ||
    !Number.isSafeInteger(minUnitsForTests) ||
    minUnitsForTests < 30
  )
    reader.problem(
      '/minUnitsForTests',
      'must be an integer of at least 30 (the tests rely on normal approximations)',
    );
  if (reader.problems.length > 0) {
    throw new RolloutError(
      'invalid-plan',
      flagSet,
      `the rollout plan is invalid: ${reader.problems.map((p) => `${p.pointer || '/'} ${p.message}`).join('; ')}`,
      reader.problems,
    );
  }
  return {
    id: id as string,
    flagKey: flagKey as string,
    release: release as string,
    replace: replace as string,
    stages,
    guardrails,
    onHarm: onHarm as RolloutPlanSpec['onHarm'],
    onInconclusive: onInconclusive as RolloutPlanSpec['onInconclusive'],
    alpha: alpha as number,
    minUnitsForTests: minUnitsForTests as number,
  };
}
