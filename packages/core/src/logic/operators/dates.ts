/**
 * Extension: `{"before": [a, b]}` and `{"after": [a, b]}` compare two instants, e.g.
 * `{"after": [{"var": "createdAt"}, "2026-01-01"]}`. Each side is an ISO-8601 date or date-time
 * string (without an offset it is read as UTC, so every server agrees), a number of seconds since
 * the Unix epoch (like `$flagd.timestamp`), or a `Date` from the evaluation context. Anything else
 * gives `null`.
 */
import { compileArgs, constantValue, literal } from '../nodes.js';
import type { OperatorCompiler } from '../types.js';

const ISO_8601 =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** `Date.parse` rolls 2026-02-30 over to March 2; a rule author meant no such thing. */
function isCalendarDate(year: number, month: number, day: number): boolean {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  return days !== undefined && day >= 1 && day <= days;
}

/** Milliseconds since the epoch, or `undefined` when `value` is not an instant. */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * 1000 : undefined;
  if (value instanceof Date) {
    const ms = value.getTime();
    return Number.isNaN(ms) ? undefined : ms;
  }
  if (typeof value !== 'string' || value.length > 40) return undefined;
  const match = ISO_8601.exec(value);
  if (!match || !isCalendarDate(Number(match[1]), Number(match[2]), Number(match[3]))) return undefined;
  const hasTime = match[4] !== undefined;
  const hasOffset = match[7] !== undefined;
  const normalized = hasTime && !hasOffset ? `${value}Z` : value;
  const ms = Date.parse(hasTime ? normalized.replace(' ', 'T') : `${value}T00:00:00Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

function dateCompare(test: (a: number, b: number) => boolean): OperatorCompiler {
  return (args, scope, compile, rawArgs) => {
    if (!Array.isArray(rawArgs) || args.length !== 2) return literal(null);
    const [left, right] = compileArgs(args, scope, rawArgs, compile) as [
      ReturnType<typeof literal>,
      ReturnType<typeof literal>,
    ];
    const rightConst = constantValue(right);
    if (rightConst) {
      const b = toEpochMs(rightConst.value);
      if (b === undefined) return literal(null);
      return (data, root) => {
        const a = toEpochMs(left(data, root));
        return a === undefined ? null : test(a, b);
      };
    }
    return (data, root) => {
      const a = toEpochMs(left(data, root));
      const b = toEpochMs(right(data, root));
      return a === undefined || b === undefined ? null : test(a, b);
    };
  };
}

export const beforeOp = dateCompare((a, b) => a < b);
export const afterOp = dateCompare((a, b) => a > b);
