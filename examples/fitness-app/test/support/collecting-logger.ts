/** A console-compatible logger that keeps warnings and errors for assertions instead of printing. */
export interface CollectingLogger {
  error(message: unknown): void;
  warn(message: unknown): void;
  info(): void;
  debug(): void;
  /** Warning and error messages, oldest first (errors prefixed with `error: `). */
  readonly lines: string[];
}

/** Creates a {@link CollectingLogger}. */
export function collectingLogger(): CollectingLogger {
  const lines: string[] = [];
  return {
    lines,
    error: (message) => lines.push(`error: ${String(message)}`),
    warn: (message) => lines.push(String(message)),
    info: () => {},
    debug: () => {},
  };
}
