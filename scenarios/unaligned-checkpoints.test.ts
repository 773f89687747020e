// Specification of unaligned checkpoints end to end: barriers overtake in-flight data under backpressure, the
// overtaken records are channel state in the snapshot and are replayed before new input after a crash, so state and
// 2PC output stay exactly once; the aligned-checkpoint timeout switches a slow alignment to unaligned.
import { describe, expect, it } from 'vitest';
import { drop_channel_state_seams } from '../properties/planted-bugs/drop-channel-state.js';
import { load_scenario } from './load.js';
import type { RunView } from './run/assemble.js';
import { run_scenario_with } from '../properties/run.js';
import type { Scenario } from './schema/scenario.generated.js';

const CATALOGUE_FILE = 'scenarios/catalogue/unaligned-under-backpressure.yaml';

function catalogue_scenario(): Scenario {
  const loaded = load_scenario(CATALOGUE_FILE);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
  return loaded.scenario;
}

/** The catalogue scenario without faults: slow links keep the channels full, nothing else happens. */
function backpressured(unaligned: boolean, extra_flink: Record<string, unknown> = {}): Scenario {
  const scenario = structuredClone(catalogue_scenario());
  scenario.faults = [];
  scenario.flink = { ...scenario.flink, 'execution.checkpointing.unaligned.enabled': unaligned, ...extra_flink } as Scenario['flink'];
  return scenario;
}

function run_with_view(scenario: Scenario, seed: number, seams = {}) {
  let view: RunView | undefined;
  const result = run_scenario_with(scenario, { seed, scenario_file: CATALOGUE_FILE }, { seams, on_world: (v) => (view = v) });
  const tasks = view!.task_managers().flatMap((tm) => [...tm.tasks]);
  const completed = result.checkpoints.filter((c) => c.status === 'completed');
  const durations = completed.map((c) => (c.end_ms ?? c.trigger_ms) - c.trigger_ms);
  return {
    result,
    max_alignment_ms: Math.max(...tasks.map((t) => t.max_alignment_ms)),
    channel_state_records: tasks.reduce((n, t) => n + t.channel_state_records, 0),
    completed: completed.length,
    mean_duration_ms: durations.reduce((a, b) => a + b, 0) / Math.max(1, durations.length),
  };
}

describe('unaligned checkpoints', () => {
  it('keep state and 2PC output exactly once under backpressure and a crash, replaying channel state on restore', () => {
    for (const seed of [1, 2, 3]) {
      const { result } = run_with_view(catalogue_scenario(), seed);
      expect(result.checkpointing_mode).toBe('unaligned');
      const status = Object.fromEntries(result.properties.map((p) => [p.property, p.status]));
      expect(status, `seed ${seed}`).toMatchObject({ exactly_once_state: 'pass', exactly_once_output: 'pass', checkpoint_invariants: 'pass' });
      expect(result.outcome, `seed ${seed}`).toBe('pass');
      expect(result.recoveries.length).toBeGreaterThanOrEqual(1);
      expect(result.probes['checkpoint.unaligned'] ?? 0).toBeGreaterThan(0);
      expect(result.probes['checkpoint.channel_state_captured'] ?? 0).toBeGreaterThan(0);
      expect(result.probes['restore.channel_state_replayed'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
    }
  });

  it('snapshot at the first barrier (alignment 0 ms) and complete sooner than aligned checkpoints, with channel state', () => {
    const aligned = run_with_view(backpressured(false), 1);
    const unaligned = run_with_view(backpressured(true), 1);
    for (const run of [aligned, unaligned]) expect(run.result.outcome).toBe('pass');
    expect(aligned.result.checkpointing_mode).toBe('aligned');
    expect(aligned.max_alignment_ms).toBeGreaterThan(10);
    expect(aligned.channel_state_records).toBe(0);
    expect(unaligned.max_alignment_ms).toBe(0);
    expect(unaligned.channel_state_records).toBeGreaterThan(0);
    expect(unaligned.completed).toBeGreaterThanOrEqual(aligned.completed);
    expect(unaligned.mean_duration_ms).toBeLessThan(aligned.mean_duration_ms);
  });

  it('switch from aligned to unaligned when the alignment outlasts aligned-checkpoint-timeout', () => {
    const scenario = backpressured(true, { 'execution.checkpointing.aligned-checkpoint-timeout': '5 ms' });
    scenario.faults = catalogue_scenario().faults ?? [];
    for (const seed of [1, 2]) {
      const run = run_with_view(scenario, seed);
      expect(run.result.outcome, `seed ${seed}`).toBe('pass');
      expect(run.result.probes['checkpoint.alignment_timeout_switch'] ?? 0).toBeGreaterThan(0);
      // Alignments are cut at the timeout (plus at most one mailbox step).
      expect(run.max_alignment_ms).toBeLessThan(20);
    }
  });

  it('take savepoints aligned, so stop-with-savepoint and a rescaled resume lose nothing in flight', () => {
    const scenario = structuredClone(catalogue_scenario());
    scenario.job = { name: 'word_count', parallelism: 2, max_parallelism: 128 };
    scenario.cluster = { task_managers: 2, slots_per_task_manager: 3 };
    scenario.workload = { records: 5000, keys: 300, rate_per_second: 3000, source_partitions: 4 };
    scenario.flink = { ...scenario.flink, 'execution.checkpointing.interval': '200 ms' } as Scenario['flink'];
    scenario.faults = [{ kind: 'savepoint', stop: true, resume_parallelism: 4, resume_after: '500 ms', at: '1s' }] as Scenario['faults'];
    for (const seed of [1, 2]) {
      const { result } = run_with_view(scenario, seed);
      expect(result.checkpoints.some((c) => c.kind === 'savepoint' && c.status === 'completed')).toBe(true);
      expect(result.probes['savepoint.resumed_rescaled'] ?? 0).toBeGreaterThan(0);
      expect(result.probes['checkpoint.unaligned'] ?? 0).toBeGreaterThan(0);
      expect(result.sink.losses, `seed ${seed}`).toBe(0);
      expect(result.outcome, `seed ${seed}`).toBe('pass');
    }
  });

  it('a snapshot without its channel state is caught by the exactly-once checks (planted bug)', () => {
    const caught = [1, 2, 3].filter((seed) => {
      const { result } = run_with_view(catalogue_scenario(), seed, drop_channel_state_seams);
      return result.violations.some((v) => v.property === 'exactly_once_state' || v.property === 'exactly_once_output');
    });
    expect(caught.length).toBeGreaterThanOrEqual(2);
  });
});
