/**
 * `ensign flag stale`: the lifecycle report of a set (through the admin API): what is stale and
 * why, what is ready for code removal or archiving, what has expired, unknown flags, with
 * owners. `--refs PATH` scans a local checkout first, so the stages know which flags code still
 * references. `--check` exits 1 when anything needs doing (a CI or cron reminder).
 */
import { ACTION_STAGES, type LifecycleReport, lifecycleText, withCodeReferences } from '@ensign/lifecycle';
import { type CommandContext, type ConnectionOptions, flagSetOf } from '../context.js';
import { EXIT, type ExitCode } from '../exit-codes.js';
import { setPath, withApi } from './admin-api.js';
import { loadRefsConfig, scanOptionsOf } from './refs-config.js';

/** Options of `flag stale`. */
export interface StaleOptions extends ConnectionOptions {
  set?: string;
  refs?: string;
  all?: boolean;
  check?: boolean;
}

/** Whether a report asks someone to act. */
export function needsAction(report: LifecycleReport): boolean {
  return report.flags.some((f) => ACTION_STAGES.includes(f.stage)) || report.unknownFlags.length > 0;
}

/** `ensign flag stale`. */
export async function stale(options: StaleOptions, context: CommandContext): Promise<ExitCode> {
  const flagSet = flagSetOf(options.set, context.env);
  let report = await withApi(context, options, async (call) => {
    const answer = await call({ method: 'GET', path: `${setPath(flagSet)}/lifecycle` });
    return answer.body as LifecycleReport;
  });
  if (options.refs !== undefined) {
    const { scanCodeReferences } = await import('@ensign/lifecycle');
    const config = loadRefsConfig(options.refs, undefined);
    const scan = scanCodeReferences(options.refs, {
      ...scanOptionsOf(config, {}),
      flagKeys: report.flags.map((f) => f.flagKey),
      archivedKeys: report.archived.map((a) => a.flagKey),
    });
    report = withCodeReferences(report, {
      scannedAt: new Date().toISOString(),
      source: options.refs,
      flags: scan.counts,
      missing: scan.missingCounts,
    });
  }
  context.output.result(report, (r) => lifecycleText(r, { all: options.all === true }));
  return options.check === true && needsAction(report) ? EXIT.failure : EXIT.ok;
}
