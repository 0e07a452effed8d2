/**
 * The hook for peers measured outside this benchmark (Unleash's frontend API first): their
 * figures are put beside ours, in the same table, with ratios and the goal's verdict.
 *
 * Two ways in, both optional:
 * 1. `bench/server/unleash.ts` exists and exports `measureUnleash(options: PeerRunOptions):
 *    Promise<PeerFigures>`: it is run in this same process, right after our runs, with the same
 *    connections, duration and context (the optional Unleash harness, which needs its server and
 *    PostgreSQL, lives there);
 * 2. `BENCH_PEER_FIGURES=/path/to/figures.json`: a JSON array of {@link PeerFigures}, e.g.
 *    `[{"name":"Unleash 7.x frontend API","bulk":{"reqPerSec":1250,"p50Ms":24,"p99Ms":60},"killSwitch":{"p50Ms":8000,"p99Ms":14000},"note":"same machine, 100 toggles"}]`
 *    (figures from another run; marked as such in the table).
 */
import { existsSync, readFileSync } from 'node:fs';

/** What a peer harness is asked to measure (the same as our runs). */
export interface PeerRunOptions {
  readonly flags: number;
  readonly connections: number;
  readonly durationS: number;
  /** The evaluation context of every request. */
  readonly context: Readonly<Record<string, string>>;
  /**
   * Figures the caller already measured in this run (`server.bench.ts` runs the Unleash harness
   * interleaved with our cases): when given, even empty, the harness is not run again.
   */
  readonly measured?: readonly PeerFigures[];
}

/** A peer's figures. */
export interface PeerFigures {
  readonly name: string;
  /**
   * Evaluating every flag for one context (Unleash: `GET /api/frontend` with that context);
   * `serverCpuUs`: the peer's server process's CPU time per answer, when measured.
   */
  readonly bulk: {
    readonly reqPerSec: number;
    readonly p50Ms: number;
    readonly p99Ms: number;
    readonly serverCpuUs?: number;
  };
  /** The same with one connection. */
  readonly bulkOneConnection?: { readonly reqPerSec: number; readonly p50Ms: number; readonly p99Ms: number };
  /** A kill switch → a client holds the new state. */
  readonly killSwitch?: { readonly p50Ms: number; readonly p99Ms: number };
  /** What ran, with versions (server, runtime, database, client). */
  readonly versions?: string;
  readonly note?: string;
  /** Set by the loader: measured in this run, or read from a file. */
  readonly source?: 'this run' | 'file';
}

/** Loads every peer's figures that the hooks provide (none when neither is set up). */
export async function peerFigures(options: PeerRunOptions): Promise<PeerFigures[]> {
  const out: PeerFigures[] = [];
  const harness = new URL('./unleash.ts', import.meta.url);
  if (options.measured) {
    for (const figure of options.measured) out.push({ ...figure, source: 'this run' });
  } else if (existsSync(harness)) {
    const module = (await import(harness.href)) as {
      measureUnleash?: (o: PeerRunOptions) => Promise<PeerFigures>;
    };
    if (typeof module.measureUnleash === 'function') {
      out.push({ ...(await module.measureUnleash(options)), source: 'this run' });
    }
  }
  const file = process.env.BENCH_PEER_FIGURES;
  if (file) {
    const figures = JSON.parse(readFileSync(file, 'utf8')) as PeerFigures[];
    for (const figure of figures) out.push({ ...figure, source: 'file' });
  }
  return out;
}
