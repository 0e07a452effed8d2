/**
 * Flags: every flag of the set with the other environments of the app side by side, kind, state,
 * owner, what it served lately and when, its lifecycle status and a stale badge; filter and
 * search; the kill switch. Re-read on every change pushed by the live feed, so a kill made in
 * another browser (or by the CLI, a rollout, a schedule) shows here without polling.
 */
import { useId, useMemo, useState } from 'preact/hooks';
import { loadFlags, loadLifecycle } from '../../api/reads.js';
import type { FlagLifecycle, FlagList } from '../../api/types.js';
import { servingOf } from '../../components/badges.js';
import { Loaded } from '../../components/status.js';
import { useLive } from '../../state/live.js';
import { useResource } from '../../state/resource.js';
import { canWrite, useSession } from '../../state/session.js';
import { siblingsOf } from './environments.js';
import { type FlagRow, FlagsTable } from './flags-table.js';

/** Filters of the table. */
interface Filters {
  readonly text: string;
  readonly kind: string;
  readonly state: string;
  readonly staleOnly: boolean;
}

const STALE_STAGES = new Set(['stale', 'ready-for-code-removal', 'ready-to-archive']);

function matches(row: FlagRow, filters: Filters): boolean {
  const text = filters.text.trim().toLowerCase();
  if (text && !`${row.entry.key} ${row.owner ?? ''}`.toLowerCase().includes(text)) return false;
  if (filters.kind && row.kind !== filters.kind) return false;
  if (filters.state && servingOf(row.entry.flag) !== filters.state) return false;
  if (filters.staleOnly && !(row.lifecycle && STALE_STAGES.has(row.lifecycle.stage))) return false;
  return true;
}

/** The page. */
export function FlagsPage({
  flagSet,
  flagSets,
}: { readonly flagSet: string; readonly flagSets: readonly string[] }) {
  const session = useSession();
  const live = useLive(flagSet);
  const siblings = useMemo(() => siblingsOf(flagSet, flagSets), [flagSet, flagSets]);
  // Three reads, rendered as each arrives: the flags first (the table), then what decorates them.
  const data = useResource(() => loadFlags(flagSet), [flagSet, live.tick]);
  const report = useResource(() => loadLifecycle(flagSet), [flagSet, live.tick]);
  const environments = useResource(
    async () =>
      (await Promise.all(siblings.map((set) => loadFlags(set).catch(() => undefined)))).filter(
        (o): o is FlagList => o !== undefined,
      ),
    [flagSet, siblings.join(','), live.tick],
  );
  const [filters, setFilters] = useState<Filters>({ text: '', kind: '', state: '', staleOnly: false });
  const ids = { search: useId(), kind: useId(), state: useId(), stale: useId() };
  return (
    <section aria-labelledby="flags-title">
      <h1 id="flags-title">Flags of {flagSet}</h1>
      <Loaded resource={data}>
        {(flags) => {
          const lifecycle = report.data;
          const others = environments.data ?? [];
          const byKey = new Map<string, FlagLifecycle>((lifecycle?.flags ?? []).map((f) => [f.flagKey, f]));
          const rows: FlagRow[] = flags.flags.map((entry) => {
            const report = byKey.get(entry.key);
            const kind = String(entry.flag.metadata?.kind ?? report?.kind ?? '');
            const owner = entry.flag.metadata?.owner;
            return {
              entry,
              kind,
              owner: owner === undefined ? undefined : String(owner),
              lifecycle: report,
              environments: others.map((o) => ({
                flagSet: o.flagSet,
                flag: o.flags.find((f) => f.key === entry.key)?.flag,
              })),
            };
          });
          const kinds = [...new Set(rows.map((r) => r.kind).filter((k) => k !== ''))].sort();
          const shown = rows.filter((row) => matches(row, filters));
          return (
            <>
              <form class="filters" aria-label="Filter flags" onSubmit={(event) => event.preventDefault()}>
                <span class="field inline">
                  <label for={ids.search}>Search</label>
                  <input
                    id={ids.search}
                    type="search"
                    placeholder="key or owner"
                    value={filters.text}
                    onInput={(event) => setFilters({ ...filters, text: event.currentTarget.value })}
                  />
                </span>
                <span class="field inline">
                  <label for={ids.kind}>Kind</label>
                  <select
                    id={ids.kind}
                    value={filters.kind}
                    onChange={(event) => setFilters({ ...filters, kind: event.currentTarget.value })}
                  >
                    <option value="">All</option>
                    {kinds.map((k) => (
                      <option key={k} value={k}>
                        {k}
                      </option>
                    ))}
                  </select>
                </span>
                <span class="field inline">
                  <label for={ids.state}>State</label>
                  <select
                    id={ids.state}
                    value={filters.state}
                    onChange={(event) => setFilters({ ...filters, state: event.currentTarget.value })}
                  >
                    <option value="">All</option>
                    <option value="on">Serving</option>
                    <option value="killed">Killed</option>
                    <option value="disabled">Disabled</option>
                  </select>
                </span>
                <span class="field inline">
                  <input
                    id={ids.stale}
                    type="checkbox"
                    checked={filters.staleOnly}
                    onChange={(event) => setFilters({ ...filters, staleOnly: event.currentTarget.checked })}
                  />
                  <label for={ids.stale}>Stale only</label>
                </span>
                <output>
                  {shown.length} of {rows.length} flags
                </output>
              </form>
              {report.error && (
                <p class="error">The lifecycle report could not be read: {report.error.message}</p>
              )}
              {lifecycle === null && (
                <p class="muted">
                  This server has no lifecycle report: usage and stale badges are not shown.
                </p>
              )}
              <FlagsTable
                flagSet={flagSet}
                rows={shown}
                environments={others.map((o) => o.flagSet)}
                writable={canWrite(session, flagSet)}
                onChanged={data.reload}
              />
            </>
          );
        }}
      </Loaded>
    </section>
  );
}
