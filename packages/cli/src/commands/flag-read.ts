/** `ensign flag get|list|history`: reading flags and their audit trail. */
import type { FlagDefinition } from '@ensign/core';
import { type HistoryChange, describeEntry, flagEtag, killStateOf, own } from '@ensign/store';
import {
  type CommandContext,
  type ConnectionOptions,
  flagNotFound,
  flagSetOf,
  withClient,
} from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { rolloutOf } from '../plan/drift.js';
import { flagChanges } from '../render/flag-diff.js';
import { ruleLines, ruleSummary } from '../render/rule.js';
import { table } from '../render/text.js';

/** Options of the flag read commands. */
export interface FlagReadOptions extends ConnectionOptions {
  set?: string;
  limit?: number;
}

/** The `--json` output of `flag get` (schemas/flag-get.schema.json). */
export interface FlagGetOutput {
  flagSet: string;
  version: number;
  flagKey: string;
  etag: string;
  killed: boolean;
  /** The stored flag; a string when the stored value is not a valid flag. */
  flag: FlagDefinition | string;
}

/** One row of `flag list --json` (schemas/flag-list.schema.json). */
export interface FlagListItem {
  key: string;
  state: string;
  defaultVariant: string | null;
  kind: string | null;
  killed: boolean;
  rollout: string | null;
  targeting: string;
  etag: string;
}

/** The `--json` output of `flag list`. */
export interface FlagListOutput {
  flagSet: string;
  version: number;
  flags: FlagListItem[];
}

/** The `--json` output of `flag history` (schemas/flag-history.schema.json). */
export interface FlagHistoryOutput {
  flagSet: string;
  flagKey: string;
  entries: HistoryChange[];
}

const isFlag = (value: unknown): value is FlagDefinition =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function kv(values: Readonly<Record<string, unknown>> | undefined): string {
  const entries = Object.entries(values ?? {});
  return entries.length === 0 ? '(none)' : entries.map(([k, v]) => `${k} = ${JSON.stringify(v)}`).join(', ');
}

function getText(out: FlagGetOutput): string {
  const { flag } = out;
  const lines = [`${out.flagKey} (flag set "${out.flagSet}", version ${out.version})`];
  if (!isFlag(flag)) {
    lines.push('  the stored value is not a valid flag (written by hand?)', `  ${flag.slice(0, 200)}`);
    return lines.join('\n');
  }
  const kill = killStateOf(flag);
  const row = (name: string, value: string) => `  ${name.padEnd(15)}${value}`;
  lines.push(
    row(
      'state',
      flag.state + (kill.killed ? `  (killed${kill.by ? ` by ${kill.by}` : ''} at ${kill.at})` : ''),
    ),
  );
  if (kill.reason !== undefined) lines.push(row('kill reason', kill.reason));
  lines.push(row('default', flag.defaultVariant ?? "(none: the caller's default)"));
  lines.push(row('variants', kv(flag.variants)));
  const rules = ruleLines(flag.targeting);
  lines.push(row('targeting', rules[0]!), ...rules.slice(1).map((line) => `${' '.repeat(17)}${line}`));
  lines.push(row('metadata', kv(flag.metadata)));
  lines.push(row('etag', out.etag));
  return lines.join('\n');
}

/** `ensign flag get FLAG`. */
export async function get(
  flagKey: string,
  options: FlagReadOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withClient(context, options, async (client) => {
    const live = await client.readSet(flagSet);
    const flag = own(live.document.flags, flagKey) as FlagDefinition | string | undefined;
    if (flag === undefined) throw flagNotFound(flagSet, flagKey);
    const out: FlagGetOutput = {
      flagSet,
      version: live.version,
      flagKey,
      etag: flagEtag(flag),
      killed: isFlag(flag) && killStateOf(flag).killed,
      flag,
    };
    context.output.result(out, getText);
    return EXIT.ok;
  });
}

function listItem(key: string, flag: FlagDefinition | string): FlagListItem {
  if (!isFlag(flag)) {
    return {
      key,
      state: 'INVALID',
      defaultVariant: null,
      kind: null,
      killed: false,
      rollout: null,
      targeting: '(not a valid flag)',
      etag: flagEtag(flag),
    };
  }
  const kind = flag.metadata?.kind;
  return {
    key,
    state: flag.state,
    defaultVariant: flag.defaultVariant ?? null,
    kind: kind === undefined ? null : String(kind),
    killed: killStateOf(flag).killed,
    rollout: rolloutOf(flag) ?? null,
    targeting: ruleSummary(flag.targeting),
    etag: flagEtag(flag),
  };
}

function listText(out: FlagListOutput): string {
  if (out.flags.length === 0) return `Flag set "${out.flagSet}" (version ${out.version}) has no flags.`;
  const rows = out.flags.map((f) => [
    f.key,
    f.killed ? 'KILLED' : f.state,
    f.defaultVariant ?? '-',
    f.kind ?? '-',
    f.rollout ? `${f.targeting} (rollout ${f.rollout})` : f.targeting,
  ]);
  return [
    `Flag set "${out.flagSet}", version ${out.version}: ${out.flags.length} flags`,
    '',
    table(['FLAG', 'STATE', 'DEFAULT', 'KIND', 'TARGETING'], rows, [26, 8, 10, 12]),
  ].join('\n');
}

/** `ensign flag list`. */
export async function list(options: FlagReadOptions, context: CommandContext): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withClient(context, options, async (client) => {
    const live = await client.readSet(flagSet);
    const flags = Object.keys(live.document.flags)
      .sort()
      .map((key) => listItem(key, own(live.document.flags, key) as FlagDefinition | string));
    context.output.result<FlagListOutput>({ flagSet, version: live.version, flags }, listText);
    return EXIT.ok;
  });
}

/** The metadata a kill writes, left out of summaries that already say "killed". */
const KILL_MARKS = /^metadata\.(killedAt|killedBy|killReason|killMode):/;

function entrySummary(entry: HistoryChange): string {
  const before = (entry.before ?? null) as FlagDefinition | null;
  const after = (entry.after ?? null) as FlagDefinition | null;
  if (before === null && after !== null) return 'created';
  if (after === null) return 'removed';
  const killedBefore = isFlag(before) && killStateOf(before).killed;
  const killedAfter = isFlag(after) && killStateOf(after).killed;
  const lines = flagChanges(before, after).filter((l) => !/^\s|^[-+] /.test(l));
  if (killedAfter && !killedBefore) return `KILLED (${killStateOf(after).mode ?? 'disabled'})`;
  if (killedBefore && !killedAfter) {
    const rest = lines.filter((l) => !KILL_MARKS.test(l));
    return rest.length === 0 ? 'restored' : `restored; ${rest.join('; ')}`;
  }
  return lines.length === 0 ? 'no change to this flag' : lines.join('; ');
}

function historyText(out: FlagHistoryOutput): string {
  if (out.entries.length === 0) return `No history for flag "${out.flagKey}" in flag set "${out.flagSet}".`;
  const rows = out.entries.map((e) => [
    String(e.version),
    e.at.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z'),
    e.actor,
    `${e.operation}: ${entrySummary(e)}${e.reason ? ` (${e.reason})` : ''}`,
  ]);
  return [
    `History of flag "${out.flagKey}" in flag set "${out.flagSet}", newest first`,
    '',
    table(['VERSION', 'WHEN (UTC)', 'ACTOR', 'CHANGE'], rows, [7, 17, 18]),
    '',
    `Put the flag back as it was at a version: ensign flag revert ${out.flagKey} --to VERSION`,
  ].join('\n');
}

/** `ensign flag history FLAG`. */
export async function history(
  flagKey: string,
  options: FlagReadOptions,
  context: CommandContext,
): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  return withClient(context, options, async (client) => {
    const entries = await client.history(flagSet, { flagKey, limit: options.limit ?? 20 });
    if (entries.length === 0) {
      const live = await client.readSet(flagSet);
      if (own(live.document.flags, flagKey) === undefined) throw flagNotFound(flagSet, flagKey);
    }
    const out: FlagHistoryOutput = {
      flagSet,
      flagKey,
      entries: entries.map((e) => describeEntry(e, flagKey)),
    };
    context.output.result(out, historyText);
    return EXIT.ok;
  });
}
