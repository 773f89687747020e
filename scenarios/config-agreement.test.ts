// Specification: `validate` and the engine agree on every Flink value at the edges of its range. A value the scenario
// parser accepts never makes the engine refuse to start (a crash at 0 ms instead of a clear error), and values Flink
// itself refuses (backoff multiplier 1, attempts-before-reset-backoff 0) are refused by the parser.
import { describe, expect, it } from 'vitest';
import { parse_flink_config } from './flink-config.js';
import { plan_run } from './run/plan.js';
import { job_manager_config } from './run/assemble.js';
import { create_restart_strategy } from '../engine/recovery/restart-strategy.js';
import { JobManager } from '../engine/cluster/job-manager.js';
import type { Runtime } from '../engine/runtime.js';
import type { Scenario } from './schema/scenario.generated.js';
import { EXAMPLE_JOB_FACTORIES } from '../engine/examples/index.js';

const runtime: Runtime = {
  node_id: 'jm',
  incarnation: 0,
  now_ms: () => 0,
  monotonic_ms: () => 0,
  send: () => {},
  setTimer: () => 0,
  cancelTimer: () => {},
  rng: { next: () => 0.5, int_inclusive: (min) => min, chance: () => false },
  disk: { put: () => {}, sync: () => {}, get: () => {}, list: () => {}, delete: () => {} },
  checkpoint_store: { put: () => {}, sync: () => {}, get: () => {}, list: () => {}, delete: () => {} },
  log: () => {},
  probe: () => {},
  fail_invariant: (message) => {
    throw new Error(message);
  },
};

/** Whether the engine starts a JobManager (restart strategy, heartbeats, checkpointing) for this `flink:` section. */
function engine_accepts(flink: Record<string, unknown>): boolean {
  const scenario = {
    name: 'agreement',
    description: 'validate and engine agree',
    cluster: { task_managers: 1, slots_per_task_manager: 2 },
    job: { name: 'word_count', parallelism: 1 },
    flink,
    sink: { kind: 'collect' },
    workload: { records: 10 },
    phases: { safety_duration: '1s', liveness_bound: '1s' },
    properties: ['liveness'],
    seeds: [1],
  } as unknown as Scenario;
  const plan = plan_run(scenario);
  const config = job_manager_config(plan, { name: 'word_count', params: { records: 10 }, parallelism: 1 }, EXAMPLE_JOB_FACTORIES);
  try {
    new JobManager(runtime, config);
    if (config.restart_strategy !== undefined) create_restart_strategy(config.restart_strategy, runtime.rng);
    return true;
  } catch {
    return false;
  }
}

const EXPONENTIAL = { 'execution.checkpointing.interval': '1s', 'restart-strategy.type': 'exponential-delay' };

const CASES: { name: string; flink: Record<string, unknown>; flink_accepts: boolean }[] = [
  { name: 'heartbeat.timeout equal to heartbeat.interval', flink: { 'heartbeat.interval': '500 ms', 'heartbeat.timeout': '500 ms' }, flink_accepts: true },
  { name: 'heartbeat.timeout below heartbeat.interval', flink: { 'heartbeat.interval': '500 ms', 'heartbeat.timeout': '499 ms' }, flink_accepts: false },
  { name: 'backoff multiplier 1', flink: { ...EXPONENTIAL, 'restart-strategy.exponential-delay.backoff-multiplier': 1 }, flink_accepts: false },
  { name: 'backoff multiplier just above 1', flink: { ...EXPONENTIAL, 'restart-strategy.exponential-delay.backoff-multiplier': 1.01 }, flink_accepts: true },
  { name: 'attempts-before-reset-backoff 0', flink: { ...EXPONENTIAL, 'restart-strategy.exponential-delay.attempts-before-reset-backoff': 0 }, flink_accepts: false },
  { name: 'attempts-before-reset-backoff 1', flink: { ...EXPONENTIAL, 'restart-strategy.exponential-delay.attempts-before-reset-backoff': 1 }, flink_accepts: true },
  { name: 'initial backoff equal to max backoff', flink: { ...EXPONENTIAL, 'restart-strategy.exponential-delay.initial-backoff': '2s', 'restart-strategy.exponential-delay.max-backoff': '2s' }, flink_accepts: true },
  { name: 'jitter 0 and 1', flink: { ...EXPONENTIAL, 'restart-strategy.exponential-delay.jitter-factor': 1 }, flink_accepts: true },
  { name: 'fixed-delay 0 attempts', flink: { 'restart-strategy.type': 'fixed-delay', 'restart-strategy.fixed-delay.attempts': 0 }, flink_accepts: true },
  { name: 'failure-rate 1 failure per interval', flink: { 'restart-strategy.type': 'failure-rate', 'restart-strategy.failure-rate.max-failures-per-interval': 1 }, flink_accepts: true },
];

describe('validate and the engine agree on Flink values', () => {
  it.each(CASES)('$name', ({ flink, flink_accepts }) => {
    const parsed = parse_flink_config(flink);
    expect(parsed.ok, JSON.stringify(parsed)).toBe(flink_accepts);
    if (parsed.ok) expect(engine_accepts(flink)).toBe(true);
  });
});
