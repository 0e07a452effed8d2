/**
 * Environments of an app: flag sets named `<app>-<environment>` (`fitness-staging`,
 * `fitness-production`) are shown side by side.
 */

/** The app part of a set's name (`fitness` of `fitness-production`), or the name itself. */
export function appOf(flagSet: string): string {
  const dash = flagSet.lastIndexOf('-');
  return dash > 0 ? flagSet.slice(0, dash) : flagSet;
}

/** The other environments of `flagSet`'s app, in name order. */
export function siblingsOf(flagSet: string, all: readonly string[]): string[] {
  if (!flagSet.includes('-')) return [];
  const app = appOf(flagSet);
  return all.filter((s) => s !== flagSet && s.includes('-') && appOf(s) === app).sort();
}
