/**
 * The flag sets a server knows. A `FlagStore` cannot list its sets, so the server keeps the list
 * in its state (namespace `flagSets`), shared by every instance on the same state: a set is
 * added when the admin API imports or promotes into it, or when it is named at start
 * (`createServer({ flagSets })`). A set the store holds (version above 0) is known
 * even before it is listed, so sets written around the API (the CLI's direct mode) stay usable.
 * A set is never removed from the list automatically.
 */
import type { FlagStore } from '@ensign/store';
import { HttpProblem } from '../http/problem.js';
import type { ServerState } from '../state/server-state.js';

/** The state namespace of the known flag sets, keyed by set id. */
export const FLAG_SETS = 'flagSets';

/** What the server records about a known set. */
export interface FlagSetRecord {
  readonly createdAt: string;
  /** Who first wrote it through the API (`name (tok_…)`), or `server` for sets named at start. */
  readonly createdBy: string;
}

/** The list of known flag sets of one server. */
export class KnownFlagSets {
  /** Sets confirmed known by this instance (a set never becomes unknown again). */
  private readonly confirmed = new Set<string>();
  private readonly listed = new Set<string>();

  constructor(
    private readonly state: ServerState,
    private readonly store: FlagStore,
  ) {}

  /** Adds `flagSet` to the list if it is not there yet. */
  async add(flagSet: string, createdBy: string, now = new Date()): Promise<void> {
    if (this.listed.has(flagSet)) return;
    const existing = await this.state.get<FlagSetRecord>(FLAG_SETS, flagSet);
    if (!existing) {
      // Compare-and-set on absence: two instances adding the same set keep the first record.
      await this.state.put<FlagSetRecord>(
        FLAG_SETS,
        flagSet,
        { createdAt: now.toISOString(), createdBy },
        { expectedVersion: 0 },
      );
    }
    this.listed.add(flagSet);
    this.confirmed.add(flagSet);
  }

  /** Whether the set is listed or holds anything in the store. */
  async has(flagSet: string): Promise<boolean> {
    if (this.confirmed.has(flagSet)) return true;
    const known =
      (await this.state.get(FLAG_SETS, flagSet)) !== undefined || (await this.store.version(flagSet)) > 0;
    if (known) this.confirmed.add(flagSet);
    return known;
  }

  /** Refuses an unknown set with 404. */
  async require(flagSet: string): Promise<void> {
    if (!(await this.has(flagSet))) {
      throw new HttpProblem(
        404,
        'flag-set-not-found',
        'No such flag set',
        `flag set "${flagSet}" does not exist: create it with PUT /api/v1/flag-sets/${encodeURIComponent(flagSet)}`,
        { flagSet },
      );
    }
  }

  /** Every listed set with its record, by id. */
  async list(): Promise<Map<string, FlagSetRecord>> {
    const out = new Map<string, FlagSetRecord>();
    for (const [id, doc] of await this.state.list<FlagSetRecord>(FLAG_SETS)) out.set(id, doc.value);
    return out;
  }
}
