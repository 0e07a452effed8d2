/**
 * Timers that never keep a Node process alive and still work in browsers: `unref()` exists on
 * Node's timer objects only, so it is called when present.
 * @internal
 */
type TimerHandle = ReturnType<typeof setTimeout>;

/** `setInterval` that does not hold the event loop open. */
export function unrefInterval(fn: () => void, ms: number): TimerHandle {
  const handle = setInterval(fn, ms);
  (handle as unknown as { unref?: () => void }).unref?.();
  return handle as unknown as TimerHandle;
}

/** `setTimeout` that does not hold the event loop open. */
export function unrefTimeout(fn: () => void, ms: number): TimerHandle {
  const handle = setTimeout(fn, ms);
  (handle as unknown as { unref?: () => void }).unref?.();
  return handle;
}

/** Rejects with `error` unless `promise` settles within `ms`; the timer never outlives the race. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: TimerHandle | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = unrefTimeout(() => reject(error()), ms);
      }),
    ]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
