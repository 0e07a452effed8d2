/** Bounding the waits on a store whose client may queue commands while disconnected. */

/** Thrown by {@link withTimeout} when the wait is over. */
export class TimeoutError extends Error {
  override name = 'TimeoutError';
}

/**
 * Resolves or rejects like `promise`, or rejects with a {@link TimeoutError} after `ms`
 * (`Infinity`: no limit). The timer never keeps the process alive.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: () => string): Promise<T> {
  if (!Number.isFinite(ms)) return promise;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(message())), ms);
    timer.unref?.();
  });
  // The loser of the race must not surface as an unhandled rejection.
  promise.catch(() => {});
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
