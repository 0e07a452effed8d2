/**
 * The `ensign` CLI (issue: the control plane's CLI), as a user runs it, against `ensign serve`
 * (embedded default) in its own process:
 * 1. start-up: `ensign --version` beside a bare `node -e ''` (the floor of any Node CLI);
 * 2. `ensign plan FILE` of a 1,000-flag file against a live set of 1,000 flags where 10 differ
 *    (weights of 10 experiments): time to the printed plan;
 * 3. `ensign apply PLAN` of that plan: time to applied (one compare-and-set write of the set);
 * 4. `ensign apply FILE --set S`: plan and apply in one run;
 * with, for reference, `ensign validate FILE` (no network), and the export and the import of the
 * set over HTTP from this process (the floors of plan and apply: what the server itself costs). Rounds are interleaved so each measure sees the
 * same background load; medians of ROUNDS (default 7).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FlagSetDocument } from '@ensign/core';
import { median, startServe, timeEnsign, timeNode } from './cli/run.js';
import { benchFlagSet } from './redis-provider/flags.js';
import { printTable } from './support/measure.js';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
const FLAGS = 1000;
const CHANGED = 10;
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`node ${process.version}, ${cpus().length} CPUs, load average at start: ${load()}`);

const dir = mkdtempSync(join(tmpdir(), 'ensign-cli-bench-'));
const base = benchFlagSet(FLAGS);
const next: FlagSetDocument = structuredClone(base);
let changed = 0;
for (const [key, flag] of Object.entries(next.flags)) {
  if (changed === CHANGED) break;
  if (flag.targeting && 'fractional' in flag.targeting) {
    flag.targeting = {
      fractional: [
        ['control', 40],
        ['treatment', 60],
      ],
    };
    changed++;
    if (changed === CHANGED) console.log(`changed the weights of ${CHANGED} flags (the last: ${key})`);
  }
}
writeFileSync(join(dir, 'base.json'), JSON.stringify(base, null, 2));
writeFileSync(join(dir, 'next.json'), JSON.stringify(next, null, 2));

const server = await startServe('data', dir);
const env = { ENSIGN_URL: server.url, ENSIGN_TOKEN: server.token, ENSIGN_SET: 'bench' };
const must = async (args: string[], code = 0) => {
  const run = await timeEnsign(args, env, dir);
  if (run.code !== code) throw new Error(`ensign ${args.join(' ')} exited ${run.code}: ${run.stderr}`);
  return run;
};
await must(['apply', 'base.json']);

/** Puts the base set back with one import from this process (also the server's write floor). */
async function putBase(): Promise<number> {
  const t0 = performance.now();
  const response = await fetch(`${server.url}/api/v1/flag-sets/bench`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${server.token}`, 'content-type': 'application/json', 'if-match': '*' },
    body: JSON.stringify(base),
  });
  if (!response.ok) throw new Error(`PUT: ${response.status} ${await response.text()}`);
  await response.json();
  return performance.now() - t0;
}

const samples: Record<string, number[]> = {
  node: [],
  version: [],
  validate: [],
  exportGet: [],
  putSet: [],
  planPrinted: [],
  planExit: [],
  applyPlan: [],
  applyFile: [],
};
for (let round = 0; round < ROUNDS; round++) {
  samples.node!.push((await timeNode(['-e', ''], {}, dir)).totalMs);
  samples.version!.push((await must(['--version'])).totalMs);
  samples.validate!.push((await must(['validate', 'next.json'])).totalMs);
  const t0 = performance.now();
  const response = await fetch(`${server.url}/api/v1/flag-sets/bench`, {
    headers: { authorization: `Bearer ${server.token}` },
  });
  await response.json();
  samples.exportGet!.push(performance.now() - t0);

  const plan = await must(['plan', 'next.json', '--out', 'next.plan'], 2);
  if (!plan.stdout.includes(`0 to add, ${CHANGED} to change, 0 to remove`)) throw new Error(plan.stdout);
  samples.planPrinted!.push(plan.firstOutputMs);
  samples.planExit!.push(plan.totalMs);
  samples.applyPlan!.push((await must(['apply', 'next.plan'])).totalMs);
  samples.putSet!.push(await putBase());
  samples.applyFile!.push((await must(['apply', 'next.json'])).totalMs);
  samples.putSet!.push(await putBase());
}
await server.stop();
rmSync(dir, { recursive: true, force: true });

const ms = (key: string) => median(samples[key]!);
const row = (measure: string, key: string, note = '') => ({
  measure,
  'median ms': ms(key).toFixed(0),
  'vs node -e': `${(ms(key) / ms('node')).toFixed(2)}×`,
  note,
});
console.log(
  `\n## ensign, ${FLAGS}-flag file, ${CHANGED} flags changed (medians of ${ROUNDS} interleaved rounds)`,
);
printTable([
  row("node -e ''", 'node', 'bare Node start-up: the floor'),
  row(
    'ensign --version',
    'version',
    `CLI start-up: +${(ms('version') - ms('node')).toFixed(0)} ms over bare Node`,
  ),
  row('ensign validate FILE', 'validate', 'local only: parse + validate 1,000 flags'),
  row('GET the set (in process)', 'exportGet', 'the transfer floor of plan'),
  row('PUT the set (in process)', 'putSet', "the server's write: the floor of apply"),
  row('ensign plan: plan printed', 'planPrinted', 'first byte of the plan on stdout'),
  row('ensign plan: exit', 'planExit', 'plan written to a file too'),
  row('ensign apply PLAN: applied', 'applyPlan', 'read, check 10 ETags, one write'),
  row('ensign apply FILE: applied', 'applyFile', 'plan and apply in one run'),
]);
console.log(`load average at end: ${load()}`);
