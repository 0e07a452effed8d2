/**
 * The shipped Prometheus alert rules, checked and unit-tested by the real `promtool` (Debian's
 * `prometheus` package, installed by `scripts/ensure-tools.sh --system`): the rule file is
 * valid, every scenario of `ensign-alerts.test.yaml` holds, and every rule has a scenario that
 * fires it and one where it stays silent. A broken expectation makes promtool fail (checked too).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const DIR = fileURLToPath(new URL('../deploy/prometheus/', import.meta.url));
const RULES = join(DIR, 'ensign-alerts.yaml');
const TESTS = join(DIR, 'ensign-alerts.test.yaml');

async function promtool(...args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    const { stdout, stderr } = await run('promtool', args, { cwd: DIR });
    return { ok: true, output: stdout + stderr };
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; code?: unknown; message: string };
    if (e.code === 'ENOENT')
      throw new Error('promtool is missing: run `bash scripts/ensure-tools.sh --system`');
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

/** Alert names of the rule file. */
const alertNames = () => [...readFileSync(RULES, 'utf8').matchAll(/^\s*- alert: (\S+)$/gm)].map((m) => m[1]!);

/** For each `alertname:` of the test file, whether its expectation is silence (`exp_alerts: []`). */
function expectations(text: string): { alert: string; silent: boolean }[] {
  const lines = text.split('\n');
  const out: { alert: string; silent: boolean }[] = [];
  lines.forEach((line, i) => {
    const match = /^\s*alertname: (\S+)$/.exec(line);
    if (!match) return;
    const next = lines.slice(i + 1).find((l) => /^\s*exp_alerts:/.test(l)) ?? '';
    out.push({ alert: match[1]!, silent: /exp_alerts: \[\]\s*$/.test(next) });
  });
  return out;
}

describe('Prometheus alert rules', () => {
  it('are valid rules (promtool check rules)', async () => {
    const { ok, output } = await promtool('check', 'rules', RULES);
    expect(output).toContain(`SUCCESS: ${alertNames().length} rules found`);
    expect(ok).toBe(true);
  });

  it('pass their unit tests (promtool test rules)', async () => {
    const { ok, output } = await promtool('test', 'rules', TESTS);
    expect(output, output).toContain('SUCCESS');
    expect(ok).toBe(true);
  });

  it('each fires on a scenario that should fire it and stays silent on one that should not', () => {
    const names = alertNames();
    expect(names).toEqual([
      'EnsignKillSwitchActiveTooLong',
      'EnsignFlagErrorRateHigh',
      'EnsignFlagNotFound',
      'EnsignProviderStale',
      'EnsignWebhookDeliveriesFailing',
    ]);
    const cases = expectations(readFileSync(TESTS, 'utf8'));
    for (const name of names) {
      expect(
        cases.some((c) => c.alert === name && !c.silent),
        `${name} fires somewhere`,
      ).toBe(true);
      expect(
        cases.some((c) => c.alert === name && c.silent),
        `${name} is silent somewhere`,
      ).toBe(true);
    }
  });

  it('fail when an expectation is wrong (the tests can fail)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ensign-alerts-'));
    try {
      writeFileSync(join(dir, 'ensign-alerts.yaml'), readFileSync(RULES));
      // Expect the kill switch to fire at 4 minutes, when it has been on for only 240 s.
      const broken = readFileSync(TESTS, 'utf8').replace(
        /eval_time: 4m\n(\s+)alertname: EnsignKillSwitchActiveTooLong\n\s+exp_alerts: \[\]/,
        'eval_time: 4m\n$1alertname: EnsignKillSwitchActiveTooLong\n$1exp_alerts:\n$1  - exp_labels: { severity: warning, feature_flag_set_id: shop, feature_flag_key: payments }',
      );
      expect(broken).not.toBe(readFileSync(TESTS, 'utf8'));
      writeFileSync(join(dir, 'ensign-alerts.test.yaml'), broken);
      const { stdout, stderr } = await run('promtool', ['test', 'rules', 'ensign-alerts.test.yaml'], {
        cwd: dir,
      }).then(
        () => ({ stdout: 'unexpected success', stderr: '' }),
        (error: { stdout?: string; stderr?: string }) => ({
          stdout: error.stdout ?? '',
          stderr: error.stderr ?? '',
        }),
      );
      expect(stdout + stderr).toContain('FAILED');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
