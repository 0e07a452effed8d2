/**
 * State shown as text first, colour second (colour is never the only signal): every badge says
 * what it means in words, and carries an icon-like prefix for a quick scan.
 */
import type { FlagDefinition } from '@ensign/core';

/** How a flag is serving. */
export type FlagServing = 'on' | 'killed' | 'disabled';

/** Whether a flag is killed (by the kill action), disabled, or serving. */
export function servingOf(flag: FlagDefinition | undefined): FlagServing {
  if (flag === undefined) return 'disabled';
  if (flag.metadata?.killedAt !== undefined) return 'killed';
  return flag.state === 'DISABLED' ? 'disabled' : 'on';
}

const SERVING_TEXT: Readonly<Record<FlagServing, string>> = {
  on: '● Serving',
  killed: '■ Killed',
  disabled: '○ Disabled',
};

/** The serving state of a flag. */
export function ServingBadge({ flag }: { readonly flag: FlagDefinition | undefined }) {
  const serving = servingOf(flag);
  return <span class={`badge serving-${serving}`}>{SERVING_TEXT[serving]}</span>;
}

/** A labelled badge with a tone. */
export function Badge({
  tone,
  children,
}: { readonly tone: 'warn' | 'bad' | 'good' | 'info'; readonly children: string }) {
  return <span class={`badge tone-${tone}`}>{children}</span>;
}

/** Time since an ISO instant, for people ("3 h ago"). */
export function since(iso: string | number | undefined, now = Date.now()): string {
  if (iso === undefined) return '—';
  const ms = now - (typeof iso === 'number' ? iso : Date.parse(iso));
  if (!Number.isFinite(ms)) return '—';
  if (ms < 60_000) return 'just now';
  if (ms < 3_600_000) return `${Math.floor(ms / 60_000)} min ago`;
  if (ms < 86_400_000) return `${Math.floor(ms / 3_600_000)} h ago`;
  return `${Math.floor(ms / 86_400_000)} d ago`;
}
