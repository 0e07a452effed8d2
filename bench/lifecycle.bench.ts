/**
 * The lifecycle benchmark, one process, one run:
 * (1) the code reference scanner (`scanCodeReferences`, what `ensign refs` runs) on a generated
 *     repository of 10,000 source files (TypeScript mostly, Markdown, JSON, YAML; OpenFeature
 *     calls, generated accessors, constants) for a set of 500 flags, beside 1,000 files a
 *     `.gitignore` leaves out, 20 binary files and 2 files over the size limit: files per second,
 *     with no alias, with every case alias, and with a pattern; side by side with GNU grep
 *     looking for the same 500 keys as fixed strings (`grep -rcF -f keys`, Aho–Corasick in C:
 *     the floor of any scan that reads every file), on a warm page cache.
 * (2) the report: `buildLifecycleReport` for a set of 1,000 flags with usage and a 500-entry log.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagDefinition, FlagSetDocument } from '@ensign/core';
import {
  CASES,
  DAY_MS,
  accessorName,
  buildLifecycleReport,
  changeFactsOf,
  inCase,
  resolvePolicy,
  scanCodeReferences,
} from '@ensign/lifecycle';
import type { AuditEntry } from '@ensign/store';
import { printTable } from './support/measure.js';

const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`node ${process.version}, ${cpus().length} CPUs, load average at start: ${load()}`);

// --- the repository -------------------------------------------------------------------------
const FLAGS = 500;
const FILES = 10_000;
const keys = Array.from(
  { length: FLAGS },
  (_, i) => `feature-${i}-${['checkout', 'search', 'layout', 'billing'][i % 4]}`,
);
const root = mkdtempSync(join(tmpdir(), 'ensign-refs-bench-'));
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
  return seed / 2 ** 31;
};
const pick = () => keys[Math.floor(random() * FLAGS)]!;
const filler = (lines: number) =>
  Array.from(
    { length: lines },
    (_, i) => `  const value${i} = compute(input, ${i}); // it's the ${i}th step`,
  ).join('\n');

function sourceFile(i: number): [string, string] {
  const kind = i % 10;
  if (kind < 7) {
    const lines = [
      "import { OpenFeature } from '@openfeature/server-sdk';",
      "import { newCheckout } from './flags';",
      `export async function handler${i}(input: Input) {`,
      filler(30),
      `  if (await client.getBooleanValue('${pick()}', false, context)) return render();`,
      `  const layout = await client.getStringDetails("${pick()}", 'list');`,
      `  const on = await ${accessorName(pick())}.value(client, context);`,
      `  const constant = ${inCase(pick(), 'UPPER_SNAKE_CASE')};`,
      filler(30),
      '}',
    ];
    return [`src/module-${Math.floor(i / 100)}/handler-${i}.ts`, lines.join('\n')];
  }
  if (kind === 7)
    return [`docs/page-${i}.md`, `# Page ${i}\n\nTurn on \`${pick()}\` first.\n${filler(40)}\n`];
  if (kind === 8)
    return [
      `config/settings-${i}.json`,
      JSON.stringify({ flags: [pick(), pick()], other: filler(20) }, null, 2),
    ];
  return [
    `deploy/values-${i}.yaml`,
    `feature: "${pick()}"\nreplicas: 3\n${filler(30).replace(/^/gm, '# ')}\n`,
  ];
}

const started = performance.now();
let bytes = 0;
for (let i = 0; i < FILES; i++) {
  const [path, text] = sourceFile(i);
  mkdirSync(join(root, path, '..'), { recursive: true });
  writeFileSync(join(root, path), text);
  bytes += Buffer.byteLength(text);
}
writeFileSync(join(root, '.gitignore'), 'dist/\n*.log\n');
mkdirSync(join(root, 'dist'));
for (let i = 0; i < 1_000; i++)
  writeFileSync(join(root, 'dist', `bundle-${i}.js`), `getBooleanValue('${pick()}')\n${filler(30)}`);
mkdirSync(join(root, 'assets'));
for (let i = 0; i < 20; i++)
  writeFileSync(
    join(root, 'assets', `image-${i}.png`),
    Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0]), Buffer.alloc(20_000, i + 1)]),
  );
writeFileSync(join(root, 'assets', 'huge-1.json'), 'x'.repeat(3_000_000));
writeFileSync(join(root, 'assets', 'huge-2.json'), 'y'.repeat(3_000_000));
writeFileSync(join(root, 'keys.txt'), `${keys.join('\n')}\n`);
console.log(
  `generated ${FILES.toLocaleString('en-US')} files (${(bytes / 1e6).toFixed(1)} MB) + 1,000 ignored, 20 binary, 2 huge in ${((performance.now() - started) / 1000).toFixed(1)} s`,
);

// --- (1) the scanner ----------------------------------------------------------------------
const ROUNDS = 5;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const cases: Record<string, () => number> = {
  'scanCodeReferences, no alias (what ensign refs runs by default)': () => {
    const scan = scanCodeReferences(root, { flagKeys: keys, ignore: ['keys.txt'] });
    // The files and the .gitignore itself.
    if (scan.files.scanned !== FILES + 1 || scan.files.binary !== 20 || scan.files.tooLarge !== 2)
      throw new Error(`scanned ${JSON.stringify(scan.files)}`);
    return scan.durationMs;
  },
  'scanCodeReferences, all 6 case aliases': () =>
    scanCodeReferences(root, { flagKeys: keys, aliases: CASES, ignore: ['keys.txt'] }).durationMs,
  'scanCodeReferences, one pattern ({UPPER_SNAKE_CASE})': () =>
    scanCodeReferences(root, {
      flagKeys: keys,
      patterns: ['constant = {UPPER_SNAKE_CASE}'],
      ignore: ['keys.txt'],
    }).durationMs,
  'GNU grep -rcF -f keys (500 fixed strings, no .gitignore, no context)': () => {
    const t0 = performance.now();
    try {
      execFileSync(
        'grep',
        [
          '-rcF',
          '-f',
          join(root, 'keys.txt'),
          '--exclude=keys.txt',
          '--exclude-dir=dist',
          'src',
          'docs',
          'config',
          'deploy',
        ],
        {
          cwd: root,
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    } catch (error) {
      // grep exits 1 when some file has no match; the output is still complete.
      if ((error as { status?: number }).status !== 1) throw error;
    }
    return performance.now() - t0;
  },
};
// Warm the page cache (and the JIT) once; then rounds interleave the cases.
for (const run of Object.values(cases)) run();
const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
// CPU time of this process per case (steadier than wall time on a shared machine; grep's is its own).
const cpu: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (let round = 0; round < ROUNDS; round++)
  for (const [name, run] of Object.entries(cases)) {
    const before = process.cpuUsage();
    times[name]!.push(run());
    const used = process.cpuUsage(before);
    cpu[name]!.push((used.user + used.system) / 1000);
  }
const grepMs = median(times['GNU grep -rcF -f keys (500 fixed strings, no .gitignore, no context)']!);
printTable(
  Object.entries(times).map(([name, values]) => ({
    [`${FILES.toLocaleString('en-US')} files, ${FLAGS} flags`]: name,
    [`ms (median of ${ROUNDS})`]: Math.round(median(values)),
    'files/s': Math.round(FILES / (median(values) / 1000)),
    'MB/s': (bytes / 1e6 / (median(values) / 1000)).toFixed(1),
    'vs grep': `${(median(values) / grepMs).toFixed(2)}×`,
    'files per CPU s': name.startsWith('GNU grep')
      ? '(child)'
      : Math.round(FILES / (median(cpu[name]!) / 1000)),
  })),
);
const refs = scanCodeReferences(root, { flagKeys: keys, ignore: ['keys.txt'] });
console.log(
  `found ${Object.values(refs.counts)
    .reduce((a, b) => a + b, 0)
    .toLocaleString(
      'en-US',
    )} references of ${FLAGS - refs.unreferenced.length} flags; ${refs.files.ignored} paths ignored by .gitignore`,
);
rmSync(root, { recursive: true, force: true });

// --- (2) the report -----------------------------------------------------------------------
const now = Date.UTC(2026, 5, 1);
const document: FlagSetDocument = { flags: {} };
for (let i = 0; i < 1_000; i++) {
  const flag: FlagDefinition = {
    state: 'ENABLED',
    variants: { on: true, off: false },
    defaultVariant: 'off',
    targeting: {
      fractional: [
        ['on', i % 100],
        ['off', 100 - (i % 100)],
      ],
    },
    metadata: { kind: ['release', 'experiment', 'ops', 'permission'][i % 4]!, owner: `team-${i % 13}` },
  };
  document.flags[`flag-${i}`] = flag;
}
const entries: AuditEntry[] = Array.from({ length: 500 }, (_, i) => {
  const key = `flag-${(i * 7) % 1_000}`;
  return {
    id: String(500 - i),
    flagSet: 'bench',
    version: 500 - i,
    operation: 'patch',
    flagKey: key,
    actor: 'bench',
    at: new Date(now - i * 3_600_000).toISOString(),
    before: document.flags[key]!,
    after: document.flags[key]!,
  };
});
const flags = new Map(
  Object.keys(document.flags).map((key, i) => [
    key,
    { lastEvaluatedAt: now - (i % 30) * DAY_MS, variants: new Map([['on', now - (i % 30) * DAY_MS]]) },
  ]),
);
const usage = { since: now - 90 * DAY_MS, flags, unknown: new Map([['typo', now]]) };
const policy = resolvePolicy();
const reportTimes: number[] = [];
const reportCpu: number[] = [];
for (let i = 0; i < 41; i++) {
  const t0 = performance.now();
  const before = process.cpuUsage();
  const report = buildLifecycleReport({
    flagSet: 'bench',
    version: 500,
    document,
    changes: changeFactsOf(entries),
    usage,
    policy,
    now,
  });
  const used = process.cpuUsage(before);
  // The first rounds warm the JIT up.
  if (i >= 10) {
    reportTimes.push(performance.now() - t0);
    reportCpu.push((used.user + used.system) / 1000);
  }
  if (report.flags.length !== 1_000) throw new Error('report incomplete');
}
console.log(
  `buildLifecycleReport, 1,000 flags, usage and a 500-entry log: ${median(reportTimes).toFixed(1)} ms wall, ${median(reportCpu).toFixed(1)} ms CPU (medians of 31, after 10 warm-up rounds)`,
);
console.log(`load average at end: ${load()}`);
