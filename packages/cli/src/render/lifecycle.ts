/** Human output of `ensign refs` and `ensign lint`. */
import type { LintOutput } from '../commands/lint.js';
import type { RefsOutput } from '../commands/refs.js';
import { pad, plural } from './text.js';

const thousands = (n: number) => n.toLocaleString('en-US');

/** `ensign refs`. */
export function refsText(out: RefsOutput): string {
  const seconds = (out.durationMs / 1000).toFixed(2);
  const lines = [
    `Scanned ${plural(out.files.scanned, 'file')} (${(out.bytes / 1e6).toFixed(1)} MB) in ${seconds} s (${thousands(out.filesPerSecond)} files/s) for the flags of ${out.origin}.`,
  ];
  const skipped = [
    out.files.ignored > 0 ? `${thousands(out.files.ignored)} ignored` : '',
    out.files.binary > 0 ? `${out.files.binary} binary` : '',
    out.files.tooLarge > 0 ? `${out.files.tooLarge} too large` : '',
    out.files.generated > 0 ? `${out.files.generated} generated` : '',
  ].filter((s) => s !== '');
  if (skipped.length > 0) lines.push(`Skipped: ${skipped.join(', ')}.`);
  const referenced = Object.entries(out.counts).filter(([, n]) => n > 0);
  if (referenced.length > 0) {
    lines.push('', 'References:');
    const width = Math.min(32, Math.max(...referenced.map(([key]) => key.length)));
    for (const [key, n] of referenced) {
      const places = out.references
        .filter((r) => r.flagKey === key)
        .slice(0, 3)
        .map((r) => `${r.file}:${r.line}`);
      lines.push(
        `  ${pad(key, width)}  ${String(n).padStart(4)}  ${places.join(', ')}${n > places.length ? ', …' : ''}`,
      );
    }
  }
  if (out.unreferenced.length > 0) {
    lines.push('', 'No reference (safe to delete from the set once launched or inactive):');
    for (const key of out.unreferenced) lines.push(`  ${key}`);
  }
  if (out.missing.length > 0) {
    lines.push('', 'Flags that do not exist, named in OpenFeature calls (they always get the code default):');
    for (const m of out.missing)
      lines.push(`  ${m.file}:${m.line}:${m.column}  ${m.flagKey}${m.archived ? ' (archived)' : ''}`);
  }
  if (out.uploaded) lines.push('', `Kept as the latest code scan of flag set "${out.flagSet}".`);
  return lines.join('\n');
}

/** `ensign lint`. */
export function lintText(out: LintOutput): string {
  const enabled = Object.entries(out.rules).filter(([, s]) => s !== 'off');
  if (enabled.length === 0)
    return [
      `No convention is turned on for ${out.origin}: every rule is off by default.`,
      'Turn them on with --preset recommended, or in ensign.config.json: {"lint": {"preset": "recommended"}}.',
    ].join('\n');
  const lines = [
    `Checked ${out.origin} against: ${enabled.map(([rule, s]) => `${rule} (${s})`).join(', ')}.`,
  ];
  for (const issue of out.issues)
    lines.push(
      `  ${issue.severity === 'error' ? 'error' : 'warn '}  ${issue.flagKey}: ${issue.message} [${issue.rule}]`,
    );
  lines.push(
    out.issues.length === 0
      ? 'Every flag follows the conventions.'
      : `${plural(out.errors, 'error')}, ${plural(out.warnings, 'warning')}.`,
  );
  return lines.join('\n');
}
