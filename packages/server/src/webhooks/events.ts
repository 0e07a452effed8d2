/**
 * From an audit entry to what a webhook says about it: the event type (a kill switch turned off is
 * `flag.killed`, not just an update), and one line of text a person reads in Slack:
 * "bookings kill switch turned OFF by alice: INC-42 (fitness v7)".
 */
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import { type AuditEntry, KILL_SWITCH_KINDS } from '@ensign/store';

/** Every event a subscription can ask for. */
export const WEBHOOK_EVENTS = [
  'flag.created',
  'flag.updated',
  'flag.deleted',
  'flag.killed',
  'flag.restored',
  'flagset.replaced',
  'flagset.reverted',
  // Not from the audit log: the weekly lifecycle report (`src/lifecycle/`), to subscribers that ask.
  'lifecycle.report',
  // Not from the audit log either: a guarded rollout paused by its controller (`src/rollouts/`).
  'rollout.paused',
] as const;

/** What happened, as a webhook names it. */
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

type FlagLike = Partial<FlagDefinition> | null | undefined;

const isDocument = (value: unknown): value is FlagSetDocument =>
  value !== null && typeof value === 'object' && 'flags' in value;

/**
 * Does this definition serve its "off" outcome to everyone? Disabled (the caller's default), its
 * off variant (metadata `offVariant`, alias `killSwitchOffVariant`) as the default without
 * targeting, or marked `killedAt` by a kill (`POST …/kill`).
 */
export function isOff(flag: FlagLike): boolean {
  if (!flag || typeof flag !== 'object') return false;
  if (flag.state === 'DISABLED') return true;
  const metadata = flag.metadata ?? {};
  if (typeof metadata.killedAt === 'string' || typeof metadata.killedAt === 'number') return true;
  const offVariant = metadata.offVariant ?? metadata.killSwitchOffVariant;
  return typeof offVariant === 'string' && flag.defaultVariant === offVariant && flag.targeting === undefined;
}

/** The event type of an audit entry. */
export function eventOf(entry: AuditEntry): WebhookEvent {
  if (entry.operation === 'replace') return 'flagset.replaced';
  if (entry.operation === 'revert') return 'flagset.reverted';
  if (entry.operation === 'delete') return 'flag.deleted';
  const before = entry.before as FlagLike;
  const after = entry.after as FlagLike;
  if (!before) return 'flag.created';
  if (isOff(after) && !isOff(before)) return 'flag.killed';
  if (isOff(before) && !isOff(after)) return 'flag.restored';
  return 'flag.updated';
}

/** The keys whose definition differs between two documents, sorted. */
export function flagsChanged(before: unknown, after: unknown): string[] {
  const a = isDocument(before) ? before.flags : {};
  const b = isDocument(after) ? after.flags : {};
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys]
    .filter((key) => {
      const x = Object.hasOwn(a, key) ? JSON.stringify(a[key]) : undefined;
      const y = Object.hasOwn(b, key) ? JSON.stringify(b[key]) : undefined;
      return x !== y;
    })
    .sort();
}

/** The actor as a person reads it: `alice (tok_3fa1…)` is `alice`. */
export function actorName(actor: string): string {
  return actor.replace(/ \(tok_[0-9a-f]+\)$/, '');
}

/**
 * Slack's mrkdwn gives `<`, `>` and `&` meaning (`<!channel>` notifies everyone): they are escaped
 * as Slack asks, so a reason typed by anyone cannot ping a channel or forge a link.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** What a flag is called in a sentence: `bookings kill switch` for `bookings-enabled` marked as one. */
function flagName(entry: AuditEntry): string {
  const key = entry.flagKey ?? '';
  const flag = (entry.after ?? entry.before) as FlagLike;
  const kind = flag?.metadata?.kind;
  if (typeof kind === 'string' && KILL_SWITCH_KINDS.includes(kind)) {
    const base = key.replace(/[-_.]?(enabled|kill[-_]?switch|kill)$/i, '');
    return `${base === '' ? key : base} kill switch`;
  }
  return `flag ${key}`;
}

/** One line for people (Slack's `text`), escaped for Slack. */
export function summaryOf(entry: AuditEntry, event: WebhookEvent): string {
  const who = actorName(entry.actor);
  let what: string;
  switch (event) {
    case 'flag.killed':
      what = `${flagName(entry)} turned OFF`;
      break;
    case 'flag.restored':
      what = `${flagName(entry)} turned ON`;
      break;
    case 'flag.created':
      what = `${flagName(entry)} created`;
      break;
    case 'flag.deleted':
      what = `${flagName(entry)} deleted`;
      break;
    case 'flag.updated':
      what = `${flagName(entry)} changed`;
      break;
    case 'lifecycle.report':
      // Never an audit entry's event; the report has its own text (`src/lifecycle/`).
      what = `lifecycle report of flag set ${entry.flagSet}`;
      break;
    case 'rollout.paused':
      // Never an audit entry's event (a pause writes no flag); its text is made in `src/rollouts/`.
      what = `rollout of ${flagName(entry)} paused`;
      break;
    case 'flagset.replaced':
    case 'flagset.reverted': {
      const changed = flagsChanged(entry.before, entry.after).length;
      what = `flag set ${entry.flagSet} ${event === 'flagset.replaced' ? 'replaced' : 'reverted'} (${changed} ${changed === 1 ? 'flag' : 'flags'} changed)`;
      break;
    }
  }
  const reason = entry.reason ? `: ${entry.reason}` : '';
  return slackEscape(`${what} by ${who}${reason} (${entry.flagSet} v${entry.version})`);
}
