// Specification of shrinking: a failing run comes back as the fewest, earliest, shortest faults that still violate the
// same property for the same reason; a nemesis is first written out as the explicit faults it generates (the same
// faults hit the engine), and `streamsim shrink` does it from a failure file and writes a replayable one.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { plan_run } from '../scenarios/run/plan.js';
import { nemesis_world_faults, scenario_faults_of, scenario_without_nemesis } from '../scenarios/run/explicit-faults.js';
import { read_failure_file } from '../cli/failure-file.js';
import { run_cli, type CliDeps } from '../cli/program.js';
import { run_scenario, run_scenario_with } from './run.js';
import { shrink_failure } from './shrink.js';
import { forgetful_restore_seams } from './planted-bugs/forgetful-restore.js';

const scenario: Scenario = {
  name: 'shrink-spec',
  description: 'a word count with four faults, one of which (a crash after a checkpoint) a forgetful restore needs',
  cluster: { task_managers: 2, slots_per_task_manager: 2 },
  job: { name: 'word_count', parallelism: 2 },
  flink: {
    'execution.checkpointing.interval': '200 ms',
    'restart-strategy.type': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': 10,
    'restart-strategy.fixed-delay.delay': '100 ms',
    'heartbeat.interval': '200 ms',
    'heartbeat.timeout': '1s',
  },
  sink: { kind: 'two_phase_commit' },
  workload: { records: 3000, keys: 30, rate_per_second: 1000, source_partitions: 2 },
  faults: [
    { kind: 'sink_outage', at: '300 ms', duration: '200 ms' },
    { kind: 'pause', target: 'tm-2', at: '700 ms', duration: '300 ms' },
    { kind: 'crash', target: 'tm-1', at: '1500 ms', restart_after: '900 ms' },
    { kind: 'partition', groups: [['jm'], ['tm-2']], at: '2000 ms', duration: '400 ms' },
  ],
  phases: { safety_duration: '2500 ms', liveness_bound: '20s' },
  properties: ['exactly_once_state', 'exactly_once_output', 'liveness'],
};

const buggy = (candidate: Scenario, seed: number) => run_scenario_with(candidate, { seed, scenario_file: 'shrink.yaml' }, { seams: forgetful_restore_seams });

describe('shrinking a failure', () => {
  it('keeps only the fault the bug needs, as early and short as still fails, and the same violation', () => {
    const before = buggy(scenario, 3);
    expect(before.violations.map((v) => v.property)).toContain('exactly_once_state');
    const shrunk = shrink_failure(scenario, 3, { run: buggy, property: 'exactly_once_state' });
    expect(shrunk.faults_before).toBe(4);
    expect(shrunk.faults_after).toBeLessThanOrEqual(2);
    expect(shrunk.result.violations.map((v) => v.property)).toContain('exactly_once_state');
    expect(shrunk.scenario.workload?.records).toBeLessThan(3000);
    // Replaying the shrunk scenario gives the same run; without the bug it holds.
    expect(buggy(shrunk.scenario, 3).trace_hash).toBe(shrunk.result.trace_hash);
    expect(run_scenario(shrunk.scenario, { seed: 3, scenario_file: 'x' }).violations).toEqual([]);
  });

  it('refuses a run that does not fail', () => {
    expect(() => shrink_failure(scenario, 3, { run: (s, seed) => run_scenario(s, { seed, scenario_file: 'x' }) })).toThrow(/violates no property/);
  });

  it('writes a nemesis out as the explicit faults it generates, which hit the engine alike', () => {
    const with_nemesis: Scenario = {
      ...scenario,
      faults: [],
      nemesis: { rates: { crash: 300, pause: 300, partition: 300, link_break: 200, storage: 600, clock: 300 }, restart_after: '300 ms', max_pause: '800 ms', max_partition: '800 ms' },
    };
    const plan = plan_run(with_nemesis);
    const world_faults = nemesis_world_faults(plan, 5);
    expect(world_faults.length).toBeGreaterThan(5);
    const { faults, unconverted } = scenario_faults_of(world_faults, plan.process_ids);
    expect(unconverted).toEqual([]);
    expect(faults.some((f) => f.kind === 'crash' && f.restart_after !== undefined)).toBe(true);
    const explicit = scenario_without_nemesis(plan, 5);
    expect(explicit?.scenario.nemesis).toBeUndefined();
    // An isolated process is written as a partition of it from everyone else: the same cut, under another name.
    const kinds = (s: Scenario) =>
      run_scenario(s, { seed: 5, scenario_file: 'x' }).faults.map((f) =>
        f.kind === 'partition_isolate' ? `${Math.round(f.time_ms)} partition_split ${f.target}|…` : `${Math.round(f.time_ms)} ${f.kind} ${f.kind === 'partition_split' && !f.target.split('|')[0]!.includes(',') && f.target.split('|').length === 2 && f.target.split('|')[1]!.split(',').length > 2 ? `${f.target.split('|')[0]}|…` : f.target}`,
      );
    expect(kinds(explicit!.scenario)).toEqual(kinds(with_nemesis));
  });

  it('from the command line: streamsim shrink <failure-file> writes a shrunk failure file that replays', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'streamsim-shrink-'));
    let stdout = '';
    let stderr = '';
    const deps: CliDeps = {
      cwd,
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: (t: string) => (stderr += t) },
      runner: (candidate, options) => run_scenario_with(candidate, options, { seams: forgetful_restore_seams }),
    };
    writeFileSync(join(cwd, 'shrink-spec.json'), JSON.stringify({ ...scenario, seeds: [3] }));
    expect(await run_cli(['run', 'shrink-spec.json', '--reports', 'out'], deps)).toBe(1);
    const failure = join(cwd, 'out', 'failures', 'shrink-spec-seed-3.json');
    expect(await run_cli(['shrink', failure, '--property', 'exactly_once_state'], deps)).toBe(1);
    expect(stdout).toMatch(/shrunk 4 → [12] fault\(s\)/);
    const shrunk_path = join(cwd, 'out', 'failures', 'shrink-spec-seed-3-shrunk.json');
    const shrunk = read_failure_file(shrunk_path);
    expect((shrunk.scenario.faults ?? []).length).toBeLessThanOrEqual(2);
    expect(JSON.parse(readFileSync(shrunk_path, 'utf8')).shrunk.faults_before).toBe(4);
    expect(await run_cli(['replay', shrunk_path], deps)).toBe(1);
    expect(stderr).toMatch(/reproduced: seed 3/);
  });
});
