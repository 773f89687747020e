// Specification of the properties that judge how the engine handles failures: the restart strategy decides as Flink's
// rule for it (an oracle per strategy, checked against the engine's own strategies on random failure times), the
// heartbeat detector declares lost exactly the silent processes, and nothing fails before the first fault. Each one
// catches a planted bug behind a test-only seam (a JobManager configuration other than the scenario's).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import type { RunResult } from '../scenarios/result-format.js';
import type { JobManagerConfig } from '../engine/cluster/job-manager.js';
import { create_restart_strategy, type RestartStrategyConfig as EngineRestartConfig } from '../engine/recovery/restart-strategy.js';
import type { RestartStrategyConfig } from '../scenarios/flink-config.js';
import { run_scenario, run_scenario_with } from './run.js';
import { FlinkRestartRule, judge_restart_decisions } from './restart-oracle.js';
import { judge_failure_detector } from './failure-detector.js';
import { judge_spurious_failures } from './spurious-failures.js';

const base: Scenario = {
  name: 'run-laws',
  description: 'a word count under the faults each test adds',
  cluster: { task_managers: 2, slots_per_task_manager: 2 },
  job: { name: 'word_count', parallelism: 2 },
  flink: {
    'execution.checkpointing.interval': '200 ms',
    'restart-strategy.type': 'fixed-delay',
    'restart-strategy.fixed-delay.attempts': 3,
    'restart-strategy.fixed-delay.delay': '100 ms',
    'heartbeat.interval': '100 ms',
    'heartbeat.timeout': '500 ms',
  },
  sink: { kind: 'two_phase_commit' },
  workload: { records: 3000, keys: 30, rate_per_second: 1000, source_partitions: 2 },
  phases: { safety_duration: '3s', liveness_bound: '20s' },
  properties: ['exactly_once_output', 'restart_strategy', 'failure_detector', 'no_spurious_failures', 'liveness'],
};

const status = (result: RunResult, property: string): string | undefined => result.properties.find((p) => p.property === property)?.status;
const seamed = (scenario: Scenario, rewrite: (config: JobManagerConfig) => JobManagerConfig): RunResult =>
  run_scenario_with(scenario, { seed: 1, scenario_file: 'run-laws.yaml' }, { seams: { job_manager: rewrite } });

describe('the restart-strategy oracle', () => {
  const engine_config = (config: RestartStrategyConfig): EngineRestartConfig =>
    config.type === 'failure-rate'
      ? { type: 'failure-rate', max_failures_per_interval: config.max_failures_per_interval, failure_rate_interval_ms: config.interval_ms, delay_ms: config.delay_ms }
      : config.type === 'exponential-delay'
        ? { ...config, attempts: config.attempts_before_reset_backoff }
        : config;
  const arb_config: fc.Arbitrary<RestartStrategyConfig> = fc.oneof(
    fc.constant<RestartStrategyConfig>({ type: 'none' }),
    fc.record({ type: fc.constant('fixed-delay' as const), attempts: fc.integer({ min: 0, max: 5 }), delay_ms: fc.integer({ min: 0, max: 500 }) }),
    fc.record({ type: fc.constant('failure-rate' as const), max_failures_per_interval: fc.integer({ min: 1, max: 4 }), interval_ms: fc.integer({ min: 1, max: 3000 }), delay_ms: fc.integer({ min: 0, max: 300 }) }),
    fc.record({
      type: fc.constant('exponential-delay' as const),
      initial_backoff_ms: fc.integer({ min: 1, max: 200 }),
      max_backoff_ms: fc.integer({ min: 200, max: 3000 }),
      backoff_multiplier: fc.constantFrom(1.5, 2, 3),
      reset_backoff_threshold_ms: fc.integer({ min: 1, max: 5000 }),
      jitter_factor: fc.constantFrom(0, 0.1, 0.5),
      attempts_before_reset_backoff: fc.integer({ min: 1, max: 6 }),
    }),
  );

  it("agrees with the engine's strategies on random failure times (restart or not, and how long to wait)", () => {
    fc.assert(
      fc.property(arb_config, fc.array(fc.integer({ min: 0, max: 2000 }), { minLength: 1, maxLength: 12 }), fc.integer(), (config, gaps, seed) => {
        const random = { next: () => 0.5, int_inclusive: (lo: number, hi: number) => lo + (Math.abs(seed) % (hi - lo + 1)) } as never;
        const engine = create_restart_strategy(engine_config(config), random);
        const rule = new FlinkRestartRule(config);
        let now = 0;
        for (const gap of gaps) {
          now += gap;
          const decided = engine.on_failure(now);
          const expected = rule.on_failure(now);
          expect(decided.restart).toBe(expected.restart);
          if (!decided.restart || !expected.restart) break;
          expect(decided.delay_ms).toBeGreaterThanOrEqual(expected.min_delay_ms - 1);
          expect(decided.delay_ms).toBeLessThanOrEqual(expected.max_delay_ms + 1);
          rule.accept(now, decided.delay_ms);
        }
      }),
      { numRuns: 500, seed: 7 },
    );
  });

  it('follows Flink: failure-rate fails at the (max+1)-th failure within the interval; exponential-delay merges failures before its restart', () => {
    const rate = new FlinkRestartRule({ type: 'failure-rate', max_failures_per_interval: 2, interval_ms: 1000, delay_ms: 10 });
    expect([rate.on_failure(0).restart, rate.on_failure(500).restart, rate.on_failure(1000).restart]).toEqual([true, true, false]);
    const spaced = new FlinkRestartRule({ type: 'failure-rate', max_failures_per_interval: 2, interval_ms: 1000, delay_ms: 10 });
    expect([spaced.on_failure(0).restart, spaced.on_failure(500).restart, spaced.on_failure(1001).restart]).toEqual([true, true, true]);
    const expo = new FlinkRestartRule({ type: 'exponential-delay', initial_backoff_ms: 100, max_backoff_ms: 1000, backoff_multiplier: 2, reset_backoff_threshold_ms: 5000, jitter_factor: 0, attempts_before_reset_backoff: 2 });
    const first = expo.on_failure(0);
    expect(first).toMatchObject({ restart: true, min_delay_ms: 100 });
    expo.accept(0, 100);
    expect(expo.on_failure(50)).toMatchObject({ restart: true, min_delay_ms: 50, rule: 'merged into the restart already scheduled' });
    expect(expo.on_failure(150)).toMatchObject({ restart: true, min_delay_ms: 200 });
    expo.accept(150, 200);
    expect(expo.on_failure(400).restart).toBe(false);
  });

  it('finds an engine decision that is not Flink’s, and tells when a FAILED job failed by the rule', () => {
    const sequence = [0, 200, 400].map((t) => ({ consultation: { node: 'jm', time_ms: t, local_ms: t, kind: 'failover' as const, reason: 'x', decision: { restart: true as const, delay_ms: 100 } } }));
    const fixed: RestartStrategyConfig = { type: 'fixed-delay', attempts: 2, delay_ms: 100 };
    const judged = judge_restart_decisions(fixed, { sequence });
    expect(judged.findings.map((f) => f.message)).toEqual([expect.stringContaining('the job restarted after a failover at 400 ms')]);
    const failed = judge_restart_decisions(fixed, { sequence: [...sequence.slice(0, 2), { consultation: { ...sequence[2]!.consultation, decision: { restart: false } } }] as never });
    expect(failed.findings).toEqual([]);
    expect(failed.failed_by_rule?.rule).toBe('failure 3 exceeds 2 restart attempt(s)');
  });

  it('catches a planted engine strategy that gives up one attempt early', () => {
    const scenario: Scenario = {
      ...base,
      faults: [
        { kind: 'crash', target: 'tm-1', at: '500 ms', restart_after: '50 ms' },
        { kind: 'crash', target: 'tm-2', at: '1500 ms', restart_after: '50 ms' },
      ],
    };
    expect(status(run_scenario(scenario, { seed: 1, scenario_file: 'x' }), 'restart_strategy')).toBe('pass');
    const early = seamed(scenario, (config) => ({ ...config, restart_strategy: { type: 'fixed-delay', attempts: 1, delay_ms: 100 } }));
    expect(status(early, 'restart_strategy')).toBe('fail');
    expect(early.violations.find((v) => v.property === 'restart_strategy')?.message).toMatch(/FAILED at a failover .* restarts it there/);
    // Liveness no longer credits the strategy: its message does not name it.
    expect(early.violations.find((v) => v.property === 'liveness')?.message).not.toMatch(/restart strategy/);
  });
});

describe('the failure-detector property', () => {
  it('passes a detector that declares a paused TaskManager lost in time, and catches one that is late', () => {
    const scenario: Scenario = { ...base, faults: [{ kind: 'pause', target: 'tm-1', at: '800 ms', duration: '1500 ms' }] };
    expect(status(run_scenario(scenario, { seed: 1, scenario_file: 'x' }), 'failure_detector')).toBe('pass');
    const late = seamed(scenario, (config) => ({ ...config, heartbeat_timeout_ms: 1100 }));
    expect(status(late, 'failure_detector')).toBe('fail');
    expect(late.violations.find((v) => v.property === 'failure_detector')?.message).toMatch(/tm-1 went silent at 800 ms .* declared it lost only at/);
  });

  it('catches a TaskManager that declares its responsive JobManager silent (planted: it waits 50 ms, not the timeout)', () => {
    const eager = run_scenario_with({ ...base, faults: [] }, { seed: 1, scenario_file: 'x' }, { seams: { task_manager: { job_manager_timeout_ms: 50 } } });
    expect(status(eager, 'failure_detector')).toBe('fail');
    expect(eager.violations.find((v) => v.property === 'failure_detector')?.message).toMatch(/tm-\d declared the JobManager jm silent at .* although both were up and connected/);
  });

  it('judges from faults and declarations alone (a crash without restart must be declared lost by timeout + interval)', () => {
    const config = { heartbeat_interval_ms: 100, heartbeat_timeout_ms: 500, max_latency_ms: 2, job_managers: ['jm'], healed_ms: 5000, end_ms: 9000 };
    const crash = [{ time_ms: 1000, kind: 'crash', target: 'tm-1', detail: '{"target":"tm-1"}' }];
    const registered = [{ time_ms: 1, node: 'jm', event: 'registered' as const, tm: 'tm-1', incarnation: 0 }];
    expect(judge_failure_detector(config, crash, [...registered, { time_ms: 1580, node: 'jm', event: 'lost', tm: 'tm-1' }], ['tm-1']).findings).toEqual([]);
    expect(judge_failure_detector(config, crash, [...registered, { time_ms: 1700, node: 'jm', event: 'lost', tm: 'tm-1' }], ['tm-1']).findings).toHaveLength(1);
    expect(judge_failure_detector(config, crash, registered, ['tm-1']).findings[0]?.message).toMatch(/never declared it lost/);
  });
  it('with HA, a leader whose HA store stopped answering has lost its lease: its TaskManagers declaring it silent is no false detection', () => {
    const config = { heartbeat_interval_ms: 100, heartbeat_timeout_ms: 500, max_latency_ms: 2, job_managers: ['jm', 'jm-standby'], healed_ms: 5000, end_ms: 9000 };
    const log = [
      { time_ms: 1, node: 'jm', event: 'leader' as const },
      { time_ms: 2, node: 'jm', event: 'registered' as const, tm: 'tm-1', incarnation: 0 },
      { time_ms: 1700, node: 'tm-1', event: 'jm_silent' as const },
    ];
    // The HA store crashed at 1000 ms (never restarted before healing): the lease lapsed at 1500 ms.
    const ha_crash = [{ time_ms: 1000, kind: 'crash', target: 'ha', detail: '{"target":"ha"}' }];
    expect(judge_failure_detector(config, ha_crash, log, ['tm-1']).findings).toEqual([]);
    // So did a failing HA disk that stopped its reload, and a partition between the leader and the store.
    const disk = [{ time_ms: 1000, kind: 'storage_io_error', target: 'disk/ha:', detail: '{"store":"disk/ha","key_prefix":"","duration_ms":800}' }];
    expect(judge_failure_detector(config, disk, log, ['tm-1']).findings).toEqual([]);
    const cut = [{ time_ms: 1000, kind: 'partition_split', target: 'jm|ha', detail: '{"groups":[["jm"],["ha"]],"duration_ms":800}' }];
    expect(judge_failure_detector(config, cut, log, ['tm-1']).findings).toEqual([]);
    // An HA store that answered throughout (or a fault on another store's disk) excuses nothing.
    expect(judge_failure_detector(config, [], log, ['tm-1']).findings[0]?.message).toMatch(/tm-1 declared the JobManager jm silent/);
    const other_disk = [{ ...disk[0]!, target: 'disk/txstore:' }];
    expect(judge_failure_detector(config, other_disk, log, ['tm-1']).findings).toHaveLength(1);
    // Without HA there is no lease: a crashed HA process (none runs) excuses nothing.
    expect(judge_failure_detector({ ...config, job_managers: ['jm'] }, ha_crash, log.slice(1), ['tm-1']).findings).toHaveLength(1);
  });
});

describe('the no-spurious-failures property', () => {
  it('passes a fault-free run and catches a planted failover with no fault (checkpoints that expire at once)', () => {
    const scenario: Scenario = { ...base, faults: [] };
    expect(status(run_scenario(scenario, { seed: 1, scenario_file: 'x' }), 'no_spurious_failures')).toBe('pass');
    const expiring = seamed(scenario, (config) => ({ ...config, checkpointing: { ...config.checkpointing!, timeout_ms: 1 } }));
    expect(status(expiring, 'no_spurious_failures')).toBe('fail');
    expect(expiring.violations.find((v) => v.property === 'no_spurious_failures')?.message).toMatch(/in a run without faults/);
  });

  it('judges only what happens before the first fault, and accepts subsumed checkpoints', () => {
    const history = [{ time_ms: 10, status: 'RUNNING' as const, reason: '' }, { time_ms: 900, status: 'FAILING' as const, reason: 'TaskManager tm-1 lost' }];
    const checkpoints = [{ checkpoint_id: 1, kind: 'checkpoint' as const, status: 'aborted' as const, trigger_ms: 100, end_ms: 300, abort_reason: 'CHECKPOINT_SUBSUMED', size_bytes: 0, alignment_ms: 0, snapshot_ms: 0, persist_ms: 0, coordination_ms: 0 }];
    const fault = [{ time_ms: 800, kind: 'crash', target: 'tm-1' }];
    expect(judge_spurious_failures({ faults: fault, actions_ms: [], status_history: history, checkpoints, checkpoint_timeout_ms: 60_000 }).findings).toEqual([]);
    expect(judge_spurious_failures({ faults: [], actions_ms: [], status_history: history, checkpoints, checkpoint_timeout_ms: 60_000 }).findings).toHaveLength(1);
  });
});
