// The windows_and_state job in the world: for each combination of its parts, fault-free output equals the oracle's
// per key; under a crash its output (replays removed) still equals it; and each of three restore bugs planted behind
// test-only seams changes the output: session windows restored unmerged, even-split operator state re-dealt at
// unchanged parallelism, side-output records left out of unaligned checkpoints' channel state.
import { describe, expect, it } from 'vitest';
import type { JobManagerConfig } from '../engine/cluster/job-manager.js';
import { job_factory } from '../engine/connectors/job-io.js';
import { redistributeOperatorListState } from '../engine/state/operator-state.js';
import type { TaskSeams } from '../engine/task/task.js';
import {
  resultId,
  resultKey,
  windowsAndStateInput,
  windowsAndStateJob,
  type Result,
  type WindowsAndStateParams,
} from '../engine/examples/windows-and-state.js';
import { diffPerKey, evaluateOracle } from '../properties/oracle.js';
import { run_scenario } from '../properties/run.js';
import { Cluster } from './cluster.js';
import { load_scenario } from './load.js';

const BASE: WindowsAndStateParams = { window: 'session', function: 'process', operator_state: 'split', side_output: true, evictor: false, window_size_ms: 101, count: 4 };
const build = job_factory(windowsAndStateJob, { broker: 'broker', store: 'txstore', collector: 'collector', sink_kind: 'collect', bounded: true, topics: new Map([['input', 3]]), sink_records_per_ms: 1 });

function params(p: WindowsAndStateParams): Record<string, unknown> {
  return { window: p.window, function: p.function, operator_state: p.operator_state, side_output: p.side_output, evictor: p.evictor, window_size: p.window_size_ms, count: p.count };
}

const input = windowsAndStateInput({ seed: 9, records: 1500, keys: 12, partitions: 3 });

function run(p: WindowsAndStateParams, options: { parallelism: number; crash?: boolean; seams?: TaskSeams; checkpointing?: JobManagerConfig['checkpointing'] }): Cluster {
  const c = new Cluster({
    seed: options.parallelism,
    job: { name: 'job', params: params(p), parallelism: options.parallelism },
    jobs: new Map([['job', build]]),
    task_managers: 2,
    slots_per_task_manager: 3,
    topics: [{ name: 'input', partitions: 3 }],
    input,
    ...(options.crash === true ? { rate_per_second: 4000 } : {}),
    heartbeat_interval_ms: 50,
    heartbeat_timeout_ms: 200,
    checkpointing: options.checkpointing ?? (options.crash === true ? { interval_ms: 25 } : undefined),
    restart_strategy: { type: 'fixed-delay', attempts: 10, delay_ms: 50 },
    task_manager: { network: { buffer_records: 16, input_buffers_per_channel: 2, output_queue_buffers: 2 }, ...(options.seams !== undefined ? { task_seams: options.seams } : {}) },
  });
  if (options.crash === true) {
    // Input arrives at 4,000 records/s (~375 ms); the crash comes mid-way, after several checkpoints.
    c.world.schedule(200, () => {
      c.world.crash('tm-2');
      c.world.restart('tm-2', 30);
    });
  }
  c.runToCompletion(5_000_000);
  expect(c.jobStatus()).toBe('FINISHED');
  return c;
}

const oracle = (p: WindowsAndStateParams): Result[] => evaluateOracle(build, params(p), input).outputs.get('sink') as Result[];
/** Distinct results by upsert id (a replay after a restore re-emits identical results). */
const distinct = (records: readonly unknown[]): string[] => [...new Set((records as Result[]).map((r) => `${resultId(r)}=${JSON.stringify(r)}`))].sort();

describe('windows_and_state', () => {
  const variants: [string, Partial<WindowsAndStateParams>][] = [
    ['session windows, process function, even-split operator state, side output', {}],
    ['tumbling windows, aggregate, union operator state, evictor', { window: 'tumbling', function: 'aggregate', operator_state: 'union', evictor: true }],
    ['count windows, reduce, no side output', { window: 'count', function: 'reduce', side_output: false }],
    ['sliding count windows, process', { window: 'sliding_count', operator_state: 'none' }],
    ['global windows with a custom trigger and a count evictor', { window: 'global_trigger', evictor: true }],
    ['windowAll, aggregate', { window: 'window_all', function: 'aggregate' }],
    ['session windows, aggregate with merge, evictor', { function: 'aggregate', evictor: true }],
  ];
  it.each(variants)('%s: fault-free output equals the oracle per key at parallelism 1–3', (_name, change) => {
    const p = { ...BASE, ...change };
    const expected = oracle(p);
    expect(expected.filter((r) => r.kind === 'window').length).toBeGreaterThan(10);
    for (const parallelism of [1, 3]) {
      const c = run(p, { parallelism });
      expect(diffPerKey(expected, c.collector().records('sink'), (r) => resultKey(r as Result))).toEqual([]);
    }
  });

  it('under a crash the output (replays removed) equals the oracle for sessions with operator state and a side output', () => {
    const c = run(BASE, { parallelism: 2, crash: true });
    expect(c.jobManager()!.recoveries.length).toBe(1);
    expect(distinct(c.collector().records('sink'))).toEqual(distinct(oracle(BASE)));
    expect(c.world.probe_counts()['window.merging_set_restored']).toBeGreaterThan(0);
  });

  it('planted: session windows restored unmerged change the output', () => {
    const c = run(BASE, { parallelism: 2, crash: true, seams: { merging_windows_restored: (mapping) => mapping.map(([window]) => [window, window]) } });
    expect(distinct(c.collector().records('sink'))).not.toEqual(distinct(oracle(BASE)));
  });

  it('planted: even-split operator state re-dealt at unchanged parallelism changes the output', () => {
    const p: WindowsAndStateParams = { ...BASE, window: 'count', side_output: false };
    const redeal: TaskSeams = { operator_state_redistribution: (states, _old, n) => new Map(states.map((s) => [s.name, redistributeOperatorListState(s.lists, n, s.mode)])) };
    expect(distinct(run(p, { parallelism: 2, crash: true }).collector().records('sink'))).toEqual(distinct(oracle(p)));
    expect(distinct(run(p, { parallelism: 2, crash: true, seams: redeal }).collector().records('sink'))).not.toEqual(distinct(oracle(p)));
  });

  it('planted: side-output records left out of unaligned channel state are lost', () => {
    const p: WindowsAndStateParams = { ...BASE, operator_state: 'none' };
    const unaligned: JobManagerConfig['checkpointing'] = { interval_ms: 25, mode: 'unaligned' };
    const flagged = (records: readonly unknown[]) => new Set((records as Result[]).filter((r) => r.kind === 'flagged').map((r) => resultId(r)));
    const want = flagged(oracle(p));
    const good = run(p, { parallelism: 2, crash: true, checkpointing: unaligned });
    expect(flagged(good.collector().records('sink'))).toEqual(want);
    const dropSide: TaskSeams = {
      channel_state: (state, ctx) => ({ input: state.input.filter((r) => !ctx.side_output_channel(r.channel)), output: state.output.filter((r) => !ctx.side_output_channel(r.channel)) }),
    };
    const bad = run(p, { parallelism: 2, crash: true, checkpointing: unaligned, seams: dropSide });
    expect(bad.world.probe_counts()['checkpoint.channel_state_captured']).toBeGreaterThan(0);
    expect(flagged(bad.collector().records('sink')).size).toBeLessThan(want.size);
  });

  // Each window kind and function under the catalogue scenario's crash, judged by the property checks (two-phase-commit
  // sink): restored state at recoveries and final state equal the oracle's, committed output exactly once.
  const CRASH_FILE = new URL('./catalogue/windows-and-state-sessions-ttl-crash.yaml', import.meta.url).pathname;
  it.each<[string, Record<string, unknown>]>([
    ['count windows, reduce', { window: 'count', function: 'reduce', side_output: false }],
    ['sliding count windows, process', { window: 'sliding_count', operator_state: 'none' }],
    ['global windows with a custom trigger and a count evictor', { window: 'global_trigger', evictor: true }],
    ['windowAll, aggregate, time evictor', { window: 'window_all', function: 'aggregate', evictor: true }],
    ['tumbling windows, aggregate, even-split operator state', { window: 'tumbling', function: 'aggregate', operator_state: 'split' }],
  ])('under a crash, %s: exactly-once state and output hold', (_name, change) => {
    const loaded = load_scenario(CRASH_FILE);
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.errors));
    const scenario = { ...loaded.scenario, job: { ...loaded.scenario.job, params: { ...loaded.scenario.job?.params, ...change } } };
    const result = run_scenario(scenario, { seed: 1, scenario_file: CRASH_FILE });
    expect(result.violations).toEqual([]);
    expect(result.recoveries.length).toBeGreaterThan(0);
    expect(result.properties.filter((p) => p.property === 'exactly_once_state' || p.property === 'exactly_once_output').map((p) => p.status)).toEqual(['pass', 'pass']);
  }, 60_000);
});
