/** Types of `harness.mjs`, for the TypeScript benchmark that drives it (`bench/server/unleash.ts`). */

export declare const INSTALL_HINT: string;
export declare const TOGGLE_COUNT: number;
/** The toggle the kill-switch run turns off and on. */
export declare const KILL_TOGGLE: string;
export declare function harnessInstalled(): boolean;

export interface UnleashVersions {
  readonly unleash: string;
  /** `node --version` of the binary Unleash runs on. */
  readonly node: string;
  readonly unleashClient: string;
  readonly postgres: string;
}

export interface FrontendAnswer {
  readonly toggles: readonly { name: string; enabled: boolean; variant?: { name: string } }[];
}

export interface UnleashSession {
  readonly url: string;
  readonly pid: number;
  readonly logPath: string;
  readonly versions: UnleashVersions;
  frontendRequest(context: Readonly<Record<string, string>>): {
    url: string;
    headers: Record<string, string>;
  };
  /** The answer for `context` once the frontend API serves every seeded toggle (stable for 1 s). */
  frontendAnswer(
    context: Readonly<Record<string, string>>,
    timeoutMs?: number,
  ): Promise<{ bytes: number; body: FrontendAnswer }>;
  cpuMicros(): number;
  killSwitchLatency(options?: { clients?: number; trials?: number; refreshMs?: number }): Promise<{
    seenMs: number[];
    timeouts: number;
  }>;
  close(): Promise<void>;
}

export declare function openUnleash(options?: {
  log?: (line: string) => void;
  /** Drop and re-create the database first (default: `UNLEASH_FRESH_DB=1`). */
  fresh?: boolean;
}): Promise<UnleashSession>;
