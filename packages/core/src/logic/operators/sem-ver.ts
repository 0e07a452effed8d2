/**
 * flagd's `sem_ver`: `[version, operator, version]` with `=`, `!=`, `<`, `<=`, `>`, `>=`, `^` (same
 * major) and `~` (same major and minor). Lenient like flagd-testbed: a `v`/`V` prefix, partial
 * versions (`1`, `1.2`) and numbers are accepted; build metadata is ignored. Invalid input → `null`.
 */
import { compileArgs, constantValue, literal } from '../nodes.js';
import type { OperatorCompiler } from '../types.js';

/** A parsed semantic version. */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease: readonly (string | number)[];
}

const STRICT =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+[0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*)?$/;
const PARTIAL = /^(\d+)(?:\.(\d+))?$/;

function safe(text: string): number | undefined {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses a version leniently (see the module note); `undefined` when it is not one. */
export function parseSemVer(raw: unknown): SemVer | undefined {
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const text = String(raw).replace(/^[vV]/, '');
  if (text.length > 256) return undefined;
  const strict = STRICT.exec(text);
  if (strict) {
    const major = safe(strict[1]!);
    const minor = safe(strict[2]!);
    const patch = safe(strict[3]!);
    if (major === undefined || minor === undefined || patch === undefined) return undefined;
    const prerelease = strict[4]
      ? strict[4].split('.').map((id) => (/^\d+$/.test(id) ? Number(id) : id))
      : [];
    return { major, minor, patch, prerelease };
  }
  const partial = PARTIAL.exec(text);
  if (partial) {
    const major = safe(partial[1]!);
    const minor = partial[2] === undefined ? 0 : safe(partial[2]);
    if (major === undefined || minor === undefined) return undefined;
    return { major, minor, patch: 0, prerelease: [] };
  }
  return undefined;
}

/** Semantic Versioning 2.0.0 precedence: negative, zero or positive. */
export function compareSemVer(a: SemVer, b: SemVer): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  const pa = a.prerelease;
  const pb = b.prerelease;
  if (pa.length === 0 || pb.length === 0) return pb.length - pa.length;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function apply(operator: unknown, a: SemVer, b: SemVer): boolean | null {
  switch (operator) {
    case '=':
      return compareSemVer(a, b) === 0;
    case '!=':
      return compareSemVer(a, b) !== 0;
    case '<':
      return compareSemVer(a, b) < 0;
    case '<=':
      return compareSemVer(a, b) <= 0;
    case '>':
      return compareSemVer(a, b) > 0;
    case '>=':
      return compareSemVer(a, b) >= 0;
    case '^':
      return a.major === b.major;
    case '~':
      return a.major === b.major && a.minor === b.minor;
    default:
      return null;
  }
}

export const semVerOp: OperatorCompiler = (args, scope, compile, rawArgs) => {
  if (!Array.isArray(rawArgs) || args.length !== 3) return literal(null);
  const [left, op, right] = compileArgs(args, scope, rawArgs, compile) as [
    ReturnType<typeof literal>,
    ReturnType<typeof literal>,
    ReturnType<typeof literal>,
  ];
  const rightConst = constantValue(right);
  const opConst = constantValue(op);
  if (rightConst && opConst) {
    const target = parseSemVer(rightConst.value);
    const operator = String(opConst.value);
    return (data, root) => {
      const version = parseSemVer(left(data, root));
      return version && target ? apply(operator, version, target) : null;
    };
  }
  return (data, root) => {
    const a = parseSemVer(left(data, root));
    const b = parseSemVer(right(data, root));
    return a && b ? apply(String(op(data, root)), a, b) : null;
  };
};
