/** The table of the flags page: one row per flag, environments side by side. */
import type { FlagDefinition } from '@ensign/core';
import type { FlagEntry, FlagLifecycle } from '../../api/types.js';
import { Badge, ServingBadge, since } from '../../components/badges.js';
import { href } from '../../state/router.js';
import { KillControl } from './kill-control.js';

/** One row. */
export interface FlagRow {
  readonly entry: FlagEntry;
  readonly kind: string;
  readonly owner: string | undefined;
  readonly lifecycle: FlagLifecycle | undefined;
  /** The same flag in the app's other environments (`undefined`: absent there). */
  readonly environments: readonly { readonly flagSet: string; readonly flag: FlagDefinition | undefined }[];
}

/** Props of {@link FlagsTable}. */
export interface FlagsTableProps {
  readonly flagSet: string;
  readonly rows: readonly FlagRow[];
  readonly environments: readonly string[];
  readonly writable: boolean;
  readonly onChanged: () => void;
}

const STAGE_TEXT: Readonly<Record<string, [string, 'warn' | 'bad' | 'info']>> = {
  stale: ['Stale', 'warn'],
  'ready-for-code-removal': ['Stale: remove code', 'warn'],
  'ready-to-archive': ['Stale: archive', 'bad'],
};

/** The table. */
export function FlagsTable(props: FlagsTableProps) {
  return (
    <div class="table-wrap">
      <table class="flags">
        <caption class="visually-hidden">Flags of {props.flagSet}</caption>
        <thead>
          <tr>
            <th scope="col">Flag</th>
            <th scope="col">Kind</th>
            <th scope="col">{props.flagSet}</th>
            {props.environments.map((env) => (
              <th scope="col" key={env}>
                {env}
              </th>
            ))}
            <th scope="col">Owner</th>
            <th scope="col">Served lately</th>
            <th scope="col">Last evaluated</th>
            <th scope="col">Lifecycle</th>
            {props.writable && <th scope="col">Kill switch</th>}
          </tr>
        </thead>
        <tbody>
          {props.rows.map((row) => (
            <Row key={row.entry.key} row={row} {...props} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Row({ row, flagSet, writable, onChanged }: { readonly row: FlagRow } & FlagsTableProps) {
  const { entry, lifecycle } = row;
  const stale = lifecycle ? STAGE_TEXT[lifecycle.stage] : undefined;
  return (
    <tr data-flag={entry.key}>
      <th scope="row">
        <a href={href(flagSet, 'flag', entry.key)}>{entry.key}</a>
      </th>
      <td>{row.kind || '—'}</td>
      <td data-state>
        <ServingBadge flag={entry.flag} />
      </td>
      {row.environments.map((env) => (
        <td key={env.flagSet}>
          {env.flag ? <ServingBadge flag={env.flag} /> : <span class="muted">absent</span>}
        </td>
      ))}
      <td>{row.owner ?? '—'}</td>
      <td>
        {lifecycle === undefined
          ? '—'
          : lifecycle.recentVariants.length === 0
            ? 'nothing'
            : lifecycle.recentVariants.map((v) => (v === '' ? '(default)' : v)).join(', ')}
      </td>
      <td>{since(lifecycle?.lastEvaluatedAt)}</td>
      <td>
        {lifecycle ? <span class="status">{lifecycle.status}</span> : '—'}{' '}
        {stale && <Badge tone={stale[1]}>{stale[0]}</Badge>}
      </td>
      {writable && (
        <td>
          <KillControl flagSet={flagSet} entry={entry} onDone={onChanged} />
        </td>
      )}
    </tr>
  );
}
