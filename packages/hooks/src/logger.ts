/**
 * One logging seam for every hook: accepts console-style loggers (OpenFeature's `Logger`,
 * `console`: `warn(message, ...details)`) and pino-style loggers (`warn(fields, message)`).
 */

/** A console-compatible logger, as OpenFeature's `Logger`. */
export interface ConsoleStyleLogger {
  error(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  info(...args: unknown[]): void;
  debug(...args: unknown[]): void;
}

/** What the hooks log through: structured fields first, then a message (pino's argument order). */
export interface StructuredLogger {
  error(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  debug(fields: Record<string, unknown>, message: string): void;
}

/**
 * How a logger wants its arguments: `'console'` → `warn(message, fields)`, `'pino'` →
 * `warn(fields, message)`, `'auto'` → pino when the logger has pino's `child()` and `levels`.
 */
export type LoggerStyle = 'console' | 'pino' | 'auto';

type Level = keyof StructuredLogger;
const LEVELS: readonly Level[] = ['error', 'warn', 'info', 'debug'];

function looksLikePino(logger: ConsoleStyleLogger): boolean {
  const candidate = logger as unknown as { child?: unknown; levels?: unknown };
  return (
    typeof candidate.child === 'function' && typeof candidate.levels === 'object' && candidate.levels !== null
  );
}

/**
 * Wraps a console- or pino-style logger so the hooks can always call `warn(fields, message)`.
 * Logging never throws: a failing logger is ignored, as a hook must never break an evaluation.
 * @example toStructuredLogger(pino()) // or toStructuredLogger(console)
 */
export function toStructuredLogger(
  logger: ConsoleStyleLogger = console,
  style: LoggerStyle = 'auto',
): StructuredLogger {
  const pinoStyle = style === 'pino' || (style === 'auto' && looksLikePino(logger));
  const adapted = {} as StructuredLogger;
  for (const level of LEVELS) {
    adapted[level] = (fields, message) => {
      try {
        if (pinoStyle) logger[level](fields, message);
        else logger[level](message, fields);
      } catch {
        // A broken logger must not surface in an evaluation.
      }
    };
  }
  return adapted;
}
