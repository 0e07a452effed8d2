/**
 * Retained-heap measurement for memory-bound tests. Tests assert bounds that differ from the
 * failure mode by an order of magnitude (a few MB against hundreds), never timings.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// `gc` is only exposed with --expose-gc; setting the flag at run time and reading `gc` from a
// fresh context is the documented way to get it without changing how vitest starts workers.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use (V8 heap plus external strings and buffers) after full collections, in bytes. */
export function retainedBytes(): number {
  gc();
  gc();
  const { heapUsed, external } = process.memoryUsage();
  return heapUsed + external;
}

/**
 * A distinct, flat (not a rope or a slice of a shared string) key of `length` characters, as a
 * request parser would produce: each call allocates a fresh `length`-byte string.
 */
export function bigKey(index: number, length: number): string {
  const buffer = Buffer.alloc(length, 'k');
  buffer.write(`${index}:`, 0, 'latin1');
  return buffer.toString('latin1');
}
