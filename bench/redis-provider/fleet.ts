/**
 * N child processes that each report when they see a value, for the propagation benchmark: the
 * time of the last one to see it is when "every one of N" has it.
 */
import { type ChildProcess, fork } from 'node:child_process';

interface ChildReport {
  type: 'ready' | 'value';
  value?: string;
  at?: number;
}

/** `performance.timeOrigin + performance.now()`: comparable across processes on one machine. */
export function wallClockMs(): number {
  return performance.timeOrigin + performance.now();
}

/** Every fleet not yet closed, killed if the benchmark exits early. */
const live = new Set<ChildProcess[]>();
process.on('exit', () => {
  for (const children of live) for (const child of children) child.kill('SIGKILL');
});

function ready(child: ChildProcess, script: string): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before it was ready`)));
    child.on('message', (m: ChildReport) => {
      if (m.type === 'ready') resolve();
    });
  });
}

export class Fleet {
  private expected: string | undefined;
  private arrivals: (number | undefined)[] = [];
  private remaining = 0;
  private done: ((latestAt: number) => void) | undefined;

  private constructor(private readonly children: ChildProcess[]) {
    children.forEach((child, i) => {
      child.on('message', (report: ChildReport) => {
        if (report.type !== 'value' || report.value !== this.expected || this.arrivals[i] !== undefined)
          return;
        this.arrivals[i] = report.at!;
        if (--this.remaining === 0) this.done?.(Math.max(...(this.arrivals as number[])));
      });
    });
  }

  /**
   * Forks `count` copies of `script` with `args`, `batch` at a time (a hundred Node processes
   * starting at once on two cores would time each other out), and waits until each is ready.
   */
  static async start(script: string, args: string[], count: number, batch = 10): Promise<Fleet> {
    const children: ChildProcess[] = [];
    try {
      for (let first = 0; first < count; first += batch) {
        const started = Array.from({ length: Math.min(batch, count - first) }, () =>
          fork(script, args, { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
        );
        children.push(...started);
        await Promise.all(started.map((child) => ready(child, script)));
      }
    } catch (error) {
      for (const child of children) child.kill('SIGKILL');
      throw error;
    }
    for (const child of children) child.removeAllListeners('exit');
    live.add(children);
    return new Fleet(children);
  }

  /**
   * Arms the fleet for `value`; the returned promise resolves with the wall-clock time at which
   * the last child saw it, or `undefined` after `timeoutMs`.
   */
  expect(value: string, timeoutMs = 10_000): Promise<number | undefined> {
    this.expected = value;
    this.arrivals = this.children.map(() => undefined);
    this.remaining = this.children.length;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.done = undefined;
        resolve(undefined);
      }, timeoutMs);
      this.done = (at) => {
        clearTimeout(timer);
        this.done = undefined;
        resolve(at);
      };
    });
  }

  /** Asks every child to close and waits for them to exit. */
  async close(): Promise<void> {
    live.delete(this.children);
    await Promise.all(
      this.children.map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null) return resolve();
            const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
            child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (child.connected) child.send({ type: 'close' });
            else child.kill();
          }),
      ),
    );
  }
}
