/**
 * `useResource`: data read from the API, re-read whenever its inputs change (a flag set's live
 * version among them), keeping the last answer on screen while the next one loads. The API is the
 * only source of truth: pages hold no copy of their own to keep in sync.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';

/** What a page renders from. */
export interface Resource<T> {
  readonly data: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  /** Reads again now. */
  reload(): void;
}

/** Loads `load()` now and whenever `inputs` change. */
export function useResource<T>(load: () => Promise<T>, inputs: readonly unknown[]): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [nonce, setNonce] = useState(0);
  const latest = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller names the inputs.
  useEffect(() => {
    const call = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        // An older answer that arrives late must not replace a newer one.
        if (call !== latest.current) return;
        setData(value);
        setError(undefined);
        setLoading(false);
      },
      (failure: unknown) => {
        if (call !== latest.current) return;
        setError(failure instanceof Error ? failure : new Error(String(failure)));
        setLoading(false);
      },
    );
  }, [...inputs, nonce]);
  const reload = useCallback(() => setNonce((n) => n + 1), []);
  return { data, error, loading, reload };
}
