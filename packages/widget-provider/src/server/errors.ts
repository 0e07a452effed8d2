/**
 * Thrown by {@link evaluateWidgetFlags} when a widget asks for flags whose metadata does not mark
 * them `clientSide: true`. It is a development-time error: handing such a flag's value to the
 * browser would leak a server-only decision, so nothing is returned instead of a partial payload.
 */
export class NotClientSideFlagError extends Error {
  override readonly name = 'NotClientSideFlagError';
  /** The flags that were asked for but are not marked client-side. */
  readonly flagKeys: readonly string[];

  constructor(flagKeys: readonly string[]) {
    const list = flagKeys.map((key) => `"${key}"`).join(', ');
    super(
      `flag${flagKeys.length === 1 ? '' : 's'} ${list} cannot be handed to a widget: set ` +
        `"metadata": { "clientSide": true } on ${flagKeys.length === 1 ? 'it' : 'them'} in the flag set, ` +
        'or stop asking for it in evaluateWidgetFlags',
    );
    this.flagKeys = flagKeys;
  }
}
