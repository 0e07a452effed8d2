/**
 * `@ensign/cli`: the `ensign` command. The package's API is the command itself (`bin/ensign.js`);
 * exported here are its entry point (to run it in process), its exit codes, and the plan file's
 * types and format for tools that read plans (CI bots that comment them on pull requests). The
 * `--json` outputs are described by the JSON schemas in the package's `schemas/` directory.
 * @packageDocumentation
 */
export { main, type MainIo, cliVersion } from './main.js';
export { EXIT, EXIT_CODE_HELP, type ExitCode } from './exit-codes.js';
export { CliError, type ErrorKind, type ErrorOutput, type Problem } from './errors.js';
export {
  type ChangeAction,
  type DriftItem,
  type FlagChange,
  type LastChange,
  PLAN_FORMAT,
  type Plan,
  type PlanBase,
  type PlanChange,
  type PlanSource,
  type PlanSummary,
  type SetPartChange,
  type SkippedItem,
} from './plan/types.js';
