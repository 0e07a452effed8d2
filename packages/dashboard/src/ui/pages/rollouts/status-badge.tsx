import type { Rollout } from '../../api/types.js';
/** A rollout's status in words (and a tone). */
import { Badge } from '../../components/badges.js';

const TONES = {
  running: ['▶ running', 'info'],
  paused: ['⏸ paused', 'warn'],
  completed: ['✓ completed', 'good'],
  'rolled-back': ['↩ rolled back', 'bad'],
  aborted: ['✕ aborted', 'bad'],
} as const;

/** The badge. */
export function StatusBadge({ status }: { readonly status: Rollout['status'] }) {
  const [text, tone] = TONES[status];
  return <Badge tone={tone}>{text}</Badge>;
}
