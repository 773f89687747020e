// Max parallelism as Flink has it: derived per operator from its own parallelism unless configured
// (KeyGroupRangeAssignment.computeDefaultMaxParallelism), and a derived one adopts the max parallelism of the
// savepoint it restores (canRescaleMaxParallelism); a configured one must match, a parallelism above the savepoint's
// max parallelism is refused. End to end: rescaling p=2 to p=86 works (scenario rescale-adopts-derived-max-parallelism).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parse_yaml } from 'yaml';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { plan_restore, read_savepoint, write_savepoint, type Savepoint } from './index.js';
import { validate_scenario_data } from '../../scenarios/load.js';
import { run_scenario_with } from '../../properties/run.js';

function savepoint(max_parallelism: number): Savepoint {
  const bytes = write_savepoint({
    job_id: 'j',
    checkpoint_id: 4,
    operators: [{ uid: 'count', max_parallelism, parallelism: 2, keyed: [{ state: 'n', key_group: max_parallelism - 1, key: 'k', namespace: '', value: 1 }], list_states: [] }],
    master_states: [],
  });
  const read = read_savepoint(bytes);
  if (!read.ok) throw new Error(read.message);
  return read.savepoint;
}

describe('max parallelism derived per operator', () => {
  it('follows each operator\'s own parallelism unless the environment or the operator configures it', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const source = env.fromSource({ kind: 'test' } as never);
    const wide = source.map((x) => x).setParallelism(86);
    const wider = source.map((x) => x).setParallelism(200);
    const fixed = source.map((x) => x).setMaxParallelism(16);
    const nodes = env.graph.nodes;
    expect(nodes.map((n) => [n.max_parallelism, n.max_parallelism_configured])).toEqual([
      [128, false],
      [256, false],
      [512, false],
      [16, true],
    ]);
    expect([wide, wider, fixed].length).toBe(3);
    const configured = new StreamExecutionEnvironment({ parallelism: 2, max_parallelism: 64 });
    configured.fromSource({ kind: 'test' } as never).map((x) => x).setParallelism(40);
    expect(configured.graph.nodes.map((n) => [n.max_parallelism, n.max_parallelism_configured])).toEqual([
      [64, true],
      [64, true],
    ]);
  });
});

describe('a restore adopts a derived max parallelism from the savepoint', () => {
  it('adopts the savepoint\'s max parallelism for a derived one and places key groups by it', () => {
    const planned = plan_restore(savepoint(128), { operators: [{ uid: 'count', parallelism: 86, max_parallelism: 256, max_parallelism_configured: false }] }, { allow_non_restored_state: false });
    if (!planned.ok) throw new Error(planned.message);
    expect(planned.plan.adopted_max_parallelism).toEqual({ count: 128 });
    const op = planned.plan.operators[0]!;
    expect(op.max_parallelism).toBe(128);
    expect(op.subtasks.at(-1)!.key_group_range.end).toBe(127);
    expect(op.subtasks.at(-1)!.keyed.map((e) => e.key)).toEqual(['k']);
  });

  it('refuses a parallelism above the savepoint\'s max parallelism, as Flink does', () => {
    const planned = plan_restore(savepoint(128), { operators: [{ uid: 'count', parallelism: 129, max_parallelism: 256, max_parallelism_configured: false }] }, { allow_non_restored_state: false });
    expect(planned).toMatchObject({ ok: false, error: { kind: 'max_parallelism_below_parallelism', savepoint_max_parallelism: 128, job_parallelism: 129 } });
    if (!planned.ok) expect(planned.message).toContain('lower than the configured parallelism (129)');
  });

  it('refuses a configured max parallelism that differs from the savepoint\'s', () => {
    const planned = plan_restore(savepoint(128), { operators: [{ uid: 'count', parallelism: 2, max_parallelism: 64, max_parallelism_configured: true }] }, { allow_non_restored_state: false });
    expect(planned).toMatchObject({ ok: false, error: { kind: 'max_parallelism_mismatch', savepoint_max_parallelism: 128, job_max_parallelism: 64 } });
  });
});

describe('rescaling a job with derived max parallelism through a savepoint', () => {
  const file = new URL('../../scenarios/catalogue/rescale-adopts-derived-max-parallelism.yaml', import.meta.url);
  type Data = { cluster: { task_managers: number; slots_per_task_manager: number }; faults: { resume_parallelism: number }[] };
  const read = (resume_parallelism: number) => {
    const data = parse_yaml(readFileSync(file, 'utf8')) as Data;
    data.faults[0]!.resume_parallelism = resume_parallelism;
    data.cluster = { task_managers: 3, slots_per_task_manager: Math.ceil(resume_parallelism / 3) };
    return validate_scenario_data(data, 'rescale', JSON.stringify(data));
  };
  const load = (resume_parallelism: number) => {
    const validated = read(86);
    if (!validated.ok) throw new Error(JSON.stringify(validated.errors));
    // Past validate (which refuses it, below) to show what the engine does.
    const scenario = structuredClone(validated.scenario) as unknown as Data;
    scenario.faults[0]!.resume_parallelism = resume_parallelism;
    scenario.cluster = { task_managers: 3, slots_per_task_manager: Math.ceil(resume_parallelism / 3) };
    return scenario as unknown as typeof validated.scenario;
  };
  const run = (resume_parallelism: number) => {
    const dir = mkdtempSync(join(tmpdir(), 'max-parallelism-'));
    try {
      const trace_path = join(dir, 'trace.jsonl');
      const result = run_scenario_with(load(resume_parallelism), { seed: 1, scenario_file: 'rescale', trace_path }, {});
      const logs = readFileSync(trace_path, 'utf8')
        .split('\n')
        .filter((line) => line.includes('"jm.savepoint_resuming"') || line.includes('"jm.savepoint_restore_failed"'))
        .map((line) => JSON.parse(line) as { event: string; fields: Record<string, unknown> });
      return { result, logs };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it('p=2 → p=86 resumes with the savepoint\'s 128 key groups and holds every property', () => {
    const { result, logs } = run(86);
    expect(result.violations).toEqual([]);
    expect(result.job.final_status).toBe('FINISHED');
    expect(logs.map((l) => l.event)).toEqual(['jm.savepoint_resuming']);
    expect(logs[0]!.fields['adopted_max_parallelism']).toMatchObject({ count: 128 });
  });

  it('validate refuses p=2 → p=129: the savepoint is taken with the 128 key groups derived from parallelism 2', () => {
    const validated = read(129);
    expect(validated.ok).toBe(false);
    if (!validated.ok) expect(validated.errors.map((e) => e.message).join()).toContain('at most the max parallelism the savepoint is taken with (128');
  });

  it('p=2 → p=129 fails the job with Flink\'s reason (the savepoint has 128 key groups)', () => {
    const { result, logs } = run(129);
    expect(result.job.final_status).toBe('FAILED');
    expect(String(logs[0]?.fields['message'])).toContain('lower than the configured parallelism (129)');
  });
});
