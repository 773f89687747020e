// Specification of `streamsim merge`: the report.json files of a sharded swarm merge into one report (JSON, JUnit,
// HTML) equal to the report of the same swarm run unsharded; conflicting runs and foreign files are refused.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunReport } from '../reports/json-report.js';
import { check_run_report } from '../reports/schema-validation.js';
import { EXIT } from './errors.js';
import { run_cli, type CliDeps } from './program.js';
import { run_scenario as fake_runner } from './test-support/fake-runner.js';

const cwd = mkdtempSync(join(tmpdir(), 'streamsim-merge-'));
afterAll(() => rmSync(cwd, { recursive: true, force: true }));
mkdirSync(join(cwd, 'scenarios'));
for (const name of ['steady', 'flaky']) {
  writeFileSync(
    join(cwd, 'scenarios', `${name}.yaml`),
    `name: ${name}\ndescription: A scenario for the merge tests.\njob: { name: word_count }\nworkload: { records: 100 }\nsink: { kind: at_least_once }\n`,
  );
}

async function cli(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const deps: CliDeps = {
    cwd,
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    runner: fake_runner,
  };
  return { code: await run_cli(argv, deps), stdout, stderr };
}

function read_report(dir: string): RunReport {
  return JSON.parse(readFileSync(join(cwd, dir, 'report.json'), 'utf8')) as RunReport;
}

/** A report without what only the clock decides (wall time) and what says how it was made (meta). */
function comparable(report: RunReport): unknown {
  return { ...report, meta: {}, results: report.results.map((result) => ({ ...result, wall_ms: 0 })) };
}

describe('merge', () => {
  it('merges the shards of a swarm into the report of the unsharded swarm', async () => {
    const whole = await cli(['swarm', 'scenarios', '--seeds', '10', '--workers', '1', '--reports', 'whole']);
    expect(whole.code).toBe(EXIT.violation); // flaky fails on seeds 3, 6 and 9
    for (const shard of ['1/3', '2/3', '3/3']) {
      await cli(['swarm', 'scenarios', '--seeds', '10', '--workers', '1', '--shard', shard, '--reports', `shard-${shard[0]}`]);
    }
    // Given in any order: the merge sorts runs as the unsharded swarm does.
    const merged = await cli(['merge', 'shard-3/report.json', 'shard-1/report.json', 'shard-2/report.json', '--out', 'merged']);
    expect(merged.code).toBe(EXIT.violation);
    expect(merged.stderr).toMatch(/merge: 3 report\(s\), 20 runs of 2 scenario\(s\), 3 failed/);
    expect(merged.stderr).toContain('FAILED flaky seed 3');
    expect(merged.stderr).toContain('replay: npx streamsim replay 3 scenarios/flaky.yaml');
    const report = read_report('merged');
    expect(check_run_report(report).errors).toEqual([]);
    expect(comparable(report)).toEqual(comparable(read_report('whole')));
    expect(report.run_id).toBe(read_report('whole').run_id);
    expect(report.meta.command).toBe('npx streamsim merge shard-3/report.json shard-1/report.json shard-2/report.json --out merged');
    const junit = readFileSync(join(cwd, 'merged', 'junit.xml'), 'utf8');
    expect(junit.match(/<testcase /g)).toHaveLength(20);
    expect(junit.match(/<failure /g)).toHaveLength(3);
    expect(readFileSync(join(cwd, 'merged', 'report.html'), 'utf8')).toContain('flaky');
  });

  it('exits 0 when every merged run passed, and keeps a run found in two reports once', async () => {
    await cli(['swarm', 'scenarios/steady.yaml', '--seeds', '4', '--workers', '1', '--reports', 'steady-a']);
    const merged = await cli(['merge', 'steady-a/report.json', 'steady-a/report.json', '--out', 'steady-merged']);
    expect(merged.code).toBe(EXIT.ok);
    expect(merged.stderr).toMatch(/4 runs of 1 scenario\(s\), 0 failed, 4 run\(s\) found twice/);
    expect(read_report('steady-merged').results.map((result) => result.seed)).toEqual([1, 2, 3, 4]);
  });

  it('refuses runs that disagree, files that are not run reports, and missing files', async () => {
    await cli(['swarm', 'scenarios/steady.yaml', '--seeds', '2', '--workers', '1', '--reports', 'steady-b']);
    const tampered = read_report('steady-b');
    tampered.results[0] = { ...tampered.results[0]!, trace_hash: '0000000000000000' };
    mkdirSync(join(cwd, 'tampered'), { recursive: true });
    writeFileSync(join(cwd, 'tampered', 'report.json'), JSON.stringify(tampered));
    const conflict = await cli(['merge', 'steady-b/report.json', 'tampered/report.json', '--out', 'bad']);
    expect(conflict.code).toBe(EXIT.usage);
    expect(conflict.stderr).toMatch(/seed 1 of steady is in steady-b\/report.json .* and in tampered\/report.json .*not deterministic/);

    writeFileSync(join(cwd, 'other.json'), JSON.stringify({ format: 'streamsim-swarm', version: 1 }));
    expect((await cli(['merge', 'other.json', '--out', 'bad'])).stderr).toMatch(/other.json: not a streamsim run report/);
    expect((await cli(['merge', 'absent.json', '--out', 'bad'])).stderr).toMatch(/absent.json: no such report file/);
    expect((await cli(['merge', 'steady-b/report.json'])).code).toBe(EXIT.usage); // --out is required
  });
});
