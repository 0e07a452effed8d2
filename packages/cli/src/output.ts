/**
 * Where commands print: results on stdout (human text fitted to 80 columns, or exactly one JSON
 * document with `--json`), notes and errors on stderr, so `ensign pull > file` and
 * `ensign plan --json | jq` get nothing but their result.
 */
import { fitLines } from './render/text.js';

/** A stream the output writes to (`process.stdout`, or a buffer in tests). */
export interface Sink {
  write(text: string): unknown;
}

/** The printer every command gets. */
export class Output {
  constructor(
    /** `--json`: print results as JSON. */
    readonly json: boolean,
    private readonly stdout: Sink = process.stdout,
    private readonly stderr: Sink = process.stderr,
  ) {}

  /** Prints a command's result: `value` as JSON with `--json`, else `human(value)` fitted. */
  result<T>(value: T, human: (value: T) => string): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
    else this.stdout.write(`${fitLines(human(value))}\n`);
  }

  /** Prints text to stdout exactly as given (a pulled flag file). */
  raw(text: string): void {
    this.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** A note for the person at the terminal (stderr, fitted), in both modes. */
  note(text: string): void {
    this.stderr.write(`${fitLines(text)}\n`);
  }
}
