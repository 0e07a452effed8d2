/**
 * Why {@link NotClientSideFlagError} refused a flag:
 * - `not-marked`: the flag's own metadata does not say `"clientSide": true` (set metadata does not count);
 * - `not-allowlisted`: the flag is not in the app's `clientSideFlags` option;
 * - `no-metadata-source`: the provider cannot tell a flag's own metadata and the app gave no `clientSideFlags`.
 */
export type RefusalReason = 'not-marked' | 'not-allowlisted' | 'no-metadata-source';

const FIX: Readonly<Record<RefusalReason, string>> = {
  'not-marked':
    'set "metadata": { "clientSide": true } on the flag itself (set-level metadata does not count)',
  'not-allowlisted': 'not in the clientSideFlags option',
  'no-metadata-source':
    "the provider does not report a flag's own metadata, so list the flags the widget may see in the clientSideFlags option",
};

const quoted = (keys: readonly string[]) => keys.map((key) => `"${key}"`).join(', ');

/**
 * Thrown by `evaluateWidgetFlags` when a widget asks for flags that are not client-side. It is a
 * development-time error: handing such a flag's value (or even its error, which shows that it
 * exists) to the browser would leak a server-only flag, so nothing is returned instead of a
 * partial payload.
 */
export class NotClientSideFlagError extends Error {
  override readonly name = 'NotClientSideFlagError';
  /** The flags that were asked for but are not client-side, in the order they were asked for. */
  readonly flagKeys: readonly string[];
  /** Why each of {@link flagKeys} was refused. */
  readonly reasons: ReadonlyMap<string, RefusalReason>;

  /** @param refused flag key → reason, in the order the flags were asked for. */
  constructor(refused: ReadonlyMap<string, RefusalReason>) {
    const flagKeys = [...refused.keys()];
    const groups = new Map<RefusalReason, string[]>();
    for (const [key, reason] of refused) groups.set(reason, [...(groups.get(reason) ?? []), key]);
    super(
      `flag${flagKeys.length === 1 ? '' : 's'} ${quoted(flagKeys)} cannot be handed to a widget (or stop ` +
        `asking for ${flagKeys.length === 1 ? 'it' : 'them'} in evaluateWidgetFlags): ` +
        [...groups].map(([reason, keys]) => `${quoted(keys)}: ${FIX[reason]}`).join('; '),
    );
    this.flagKeys = flagKeys;
    this.reasons = refused;
  }
}
