// fast-check arbitraries for whole runs: jobs (the built-in ones, parameters drawn from their declarations), inputs (size, keys,
// partitions, rate) and fault plans. Fault plans are scenario `faults:` entries — the data the runner turns into the
// world's FaultPlan — so a shrunk counterexample is itself a scenario that `streamsim replay` accepts. They shrink
// toward fewer faults, earlier times and shorter durations.
import fc from 'fast-check';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import type { ParamDeclarations, ParamSpec } from '../engine/api/job.js';
import { BUILT_IN_JOBS } from '../engine/examples/index.js';

type ScenarioFault = NonNullable<Scenario['faults']>[number];

export interface RunCase {
  sink: NonNullable<Scenario['sink']>;
  job: Scenario['job'];
  cluster: NonNullable<Scenario['cluster']>;
  workload: NonNullable<Scenario['workload']>;
  flink: NonNullable<Scenario['flink']>;
  faults: ScenarioFault[];
  /** Message delays: absent (the world's default), or a latency model with spikes. */
  network?: NonNullable<Scenario['network']>;
  /** Equal-time events in a seeded random order (simulation.shuffle_ties); shrinks toward false. */
  shuffle_ties: boolean;
  seed: number;
}

export interface FaultPlanOptions {
  task_managers: number;
  /** Faults happen in [0, horizon_ms). */
  horizon_ms: number;
  max_faults: number;
  /** Include JobManager crashes (JobManager loss). */
  job_manager_loss?: boolean;
  /** Include checkpoint-store faults and corruption (and, with `external`, faults of their local disks). */
  storage?: boolean;
  /** External systems of the run ('txstore' behind the sink, 'ha' with HA) that may crash and restart. */
  external?: readonly string[];
}

const ms = (value: number): string => `${value} ms`;

/** One parameter's value in scenario form: from its explore range, else its declared range when it has no default. */
function arb_param(spec: ParamSpec): fc.Arbitrary<unknown> | undefined {
  if (spec.type === 'boolean') return spec.default === undefined ? fc.boolean() : undefined;
  if (spec.type === 'string') return spec.default === undefined ? (spec.enum !== undefined ? fc.constantFrom(...spec.enum) : fc.constant('')) : undefined;
  const declared: readonly [number, number] | undefined =
    spec.type === 'duration'
      ? spec.default === undefined
        ? [spec.minimum_ms ?? 0, spec.maximum_ms ?? 10_000]
        : undefined
      : spec.default === undefined
        ? [spec.minimum ?? 0, spec.maximum ?? 1000]
        : undefined;
  const range = spec.explore ?? declared;
  if (range === undefined) return undefined;
  const [low, high] = range;
  if (spec.type === 'number') return fc.double({ min: low, max: high, noNaN: true });
  const whole = fc.integer({ min: Math.ceil(low), max: Math.floor(high) });
  return spec.type === 'duration' ? whole.map(ms) : whole;
}

/** A job's parameters in scenario form: the explored ones drawn, the rest left to their defaults. */
export function arb_params(declarations: ParamDeclarations): fc.Arbitrary<Record<string, unknown>> {
  const drawn: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [name, spec] of Object.entries(declarations)) {
    const arbitrary = arb_param(spec);
    if (arbitrary !== undefined) drawn[name] = arbitrary;
  }
  return fc.record(drawn);
}

/** A built-in job with a parallelism of 1–3 and its parameters drawn from its declarations. */
export function arb_job(): fc.Arbitrary<Scenario['job']> {
  return fc.oneof(
    ...[...BUILT_IN_JOBS].map(([name, definition]) =>
      fc
        .record({ parallelism: fc.integer({ min: 1, max: 3 }), params: arb_params(definition.params) })
        .map(({ parallelism, params }): Scenario['job'] => ({ name, parallelism, ...(Object.keys(params).length > 0 ? { params } : {}) })),
    ),
  );
}

export function arb_workload(): fc.Arbitrary<NonNullable<Scenario['workload']>> {
  return fc.record({
    records: fc.integer({ min: 100, max: 1200 }),
    keys: fc.integer({ min: 1, max: 60 }),
    rate_per_second: fc.integer({ min: 500, max: 3000 }),
    source_partitions: fc.integer({ min: 1, max: 4 }),
  });
}

/** Network delays: usually the default, sometimes uniform latency or rare long spikes (shrinks toward the default). */
export function arb_network(): fc.Arbitrary<NonNullable<Scenario['network']> | undefined> {
  return fc.option(
    fc.oneof(
      fc.record({ latency: fc.record({ model: fc.constant('uniform' as const), min: fc.constant('1 ms'), max: fc.integer({ min: 1, max: 20 }).map(ms) }) }),
      fc.record({
        latency: fc.record({
          model: fc.constant('spikes' as const),
          value: fc.constant('2 ms'),
          spike: fc.integer({ min: 20, max: 500 }).map(ms),
          spike_probability: fc.double({ min: 0.001, max: 0.05, noNaN: true }),
        }),
      }),
    ),
    { nil: undefined, freq: 3 },
  );
}

/** The sinks that promise exactly-once output (the two-phase-commit sink, or idempotent upserts). */
export function arb_sink(): fc.Arbitrary<NonNullable<Scenario['sink']>> {
  return fc.constantFrom<NonNullable<Scenario['sink']>>({ kind: 'two_phase_commit', transaction_timeout: '10 min' }, { kind: 'idempotent' });
}

/** Checkpointing and recovery configuration with short intervals and quick detection (simulated runs are short). */
export function arb_flink(): fc.Arbitrary<NonNullable<Scenario['flink']>> {
  return fc.tuple(arb_flink_checkpointing(), arb_state_backend()).map(([checkpointing, backend]) => ({ ...checkpointing, ...backend }));
}

/**
 * A state backend and its settings (shrinks toward the heap backend with Flink's 20 kb inline threshold): heap
 * snapshots inline or in files, the LSM backend with full or incremental snapshots and a memtable that flushes
 * between checkpoints or only at them.
 */
export function arb_state_backend(): fc.Arbitrary<NonNullable<Scenario['flink']>> {
  return fc.oneof(
    fc.record({ 'state.backend.type': fc.constant('hashmap' as const), 'state.storage.fs.memory-threshold': fc.constantFrom('20 kb', '0 b', '1 mb') }),
    fc.record({
      'state.backend.type': fc.constant('rocksdb' as const),
      'state.backend.incremental': fc.boolean(),
      'state.backend.rocksdb.writebuffer.size': fc.constantFrom('64 mb', '1 kb'),
    }),
  );
}

/**
 * Aligned barriers (shrinks to them), or unaligned checkpoints (one at a time, as Flink allows) that start aligned
 * and switch after an aligned-checkpoint timeout measured from the checkpoint's start (0 ms: always unaligned).
 */
export function arb_barrier_alignment(): fc.Arbitrary<NonNullable<Scenario['flink']>> {
  return fc.oneof(
    { arbitrary: fc.record({ 'execution.checkpointing.max-concurrent-checkpoints': fc.integer({ min: 1, max: 4 }) }), weight: 3 },
    {
      arbitrary: fc.record({
        'execution.checkpointing.max-concurrent-checkpoints': fc.constant(1),
        'execution.checkpointing.unaligned.enabled': fc.constant(true),
        'execution.checkpointing.aligned-checkpoint-timeout': fc.constantFrom('5 ms', '0 ms', '50 ms'),
      }),
      weight: 1,
    },
  );
}

/** Without the unaligned keys (for cases that switch to at-least-once checkpoints, which are never unaligned). */
export function without_unaligned(flink: NonNullable<Scenario['flink']>): NonNullable<Scenario['flink']> {
  const { 'execution.checkpointing.unaligned.enabled': _enabled, 'execution.checkpointing.aligned-checkpoint-timeout': _timeout, ...rest } = flink;
  return rest;
}

function arb_flink_checkpointing(): fc.Arbitrary<NonNullable<Scenario['flink']>> {
  return fc.tuple(arb_checkpointing_and_restarts(), arb_barrier_alignment()).map(([base, alignment]) => ({ ...base, ...alignment }));
}

function arb_checkpointing_and_restarts(): fc.Arbitrary<NonNullable<Scenario['flink']>> {
  return fc.record({
    'execution.checkpointing.interval': fc.integer({ min: 100, max: 1000 }).map(ms),
    'restart-strategy.type': fc.constant('fixed-delay' as const),
    'restart-strategy.fixed-delay.attempts': fc.integer({ min: 3, max: 10 }),
    'restart-strategy.fixed-delay.delay': fc.integer({ min: 50, max: 500 }).map(ms),
    'heartbeat.interval': fc.constant('200 ms'),
    'heartbeat.timeout': fc.constant('1s'),
  });
}

/** One fault; every number shrinks toward 0 (earlier, shorter). */
export function arb_fault(options: FaultPlanOptions): fc.Arbitrary<ScenarioFault> {
  const tms = Array.from({ length: options.task_managers }, (_, index) => `tm-${index + 1}`);
  const processes = [...tms, ...(options.job_manager_loss === true ? ['jm'] : [])];
  const at = fc.integer({ min: 0, max: Math.max(0, options.horizon_ms - 1) }).map(ms);
  const short = fc.integer({ min: 10, max: 3000 }).map(ms);
  const tm = fc.constantFrom(...tms);
  const external = options.external ?? [];
  // What a crash does to its unsynced writes: each at random (shrinks to that), or all dropped, torn or kept.
  const unsynced_writes = fc.constantFrom('random' as const, 'dropped' as const, 'torn' as const, 'kept' as const);
  const kinds: fc.Arbitrary<ScenarioFault>[] = [
    fc.record({ kind: fc.constant('crash' as const), target: fc.constantFrom(...processes, ...external), at, restart_after: short, unsynced_writes }),
    fc.record({ kind: fc.constant('pause' as const), target: fc.constantFrom(...processes), at, duration: short }),
    fc
      .tuple(fc.constantFrom(...processes, 'jm'), fc.constantFrom(...processes, 'jm'), at, short)
      .filter(([a, b]) => a !== b)
      .map(([a, b, when, duration]) => ({ kind: 'partition' as const, groups: [[a], [b]] as [[string], [string]], at: when, duration })),
    fc
      .tuple(fc.constantFrom(...tms, 'jm'), fc.constantFrom(...tms, 'jm'), at)
      .filter(([a, b]) => a !== b)
      .map(([a, b, when]) => ({ kind: 'link_break' as const, between: [a, b] as [string, string], at: when })),
    fc.record({ kind: fc.constant('sink_outage' as const), at, duration: short }),
  ];
  if (options.storage === true) {
    kinds.push(
      fc
        .record({
          kind: fc.constant('storage_fault' as const),
          store: fc.constant('checkpoint_store' as const),
          mode: fc.constantFrom(
            'io_error' as const,
            'slow' as const,
            'lost_write' as const,
            'bit_flip' as const,
            'torn_write' as const,
            'disk_full' as const,
            'slow_sync' as const,
          ),
          at,
          duration: short,
          extra_latency: fc.integer({ min: 10, max: 500 }).map(ms),
        })
        .map(({ extra_latency, ...fault }) => (fault.mode === 'slow' || fault.mode === 'slow_sync' ? { ...fault, extra_latency } : fault)),
      fc.record({ kind: fc.constant('corrupt_checkpoint' as const), which: fc.constantFrom('latest' as const, 'oldest_retained' as const), damage: fc.constantFrom('bit_flip' as const, 'missing' as const), at }),
    );
  }
  if (options.storage === true && external.length > 0) {
    // The external systems' own disks: full, failing or slow to sync (their logs are what they promise durability on).
    kinds.push(
      fc
        .record({
          kind: fc.constant('storage_fault' as const),
          store: fc.constant('disk' as const),
          target: fc.constantFrom(...external),
          mode: fc.constantFrom('io_error' as const, 'disk_full' as const, 'slow_sync' as const),
          at,
          duration: short,
          extra_latency: fc.integer({ min: 10, max: 500 }).map(ms),
        })
        .map(({ extra_latency, ...fault }) => (fault.mode === 'slow_sync' ? { ...fault, extra_latency } : fault)),
    );
  }
  void tm;
  return fc.oneof(...kinds);
}

/** A fault plan: up to max_faults entries, sorted by time (shrinks toward the empty plan). */
export function arb_fault_plan(options: FaultPlanOptions): fc.Arbitrary<ScenarioFault[]> {
  return fc.array(arb_fault(options), { maxLength: options.max_faults }).map((faults) =>
    [...faults].sort((a, b) => at_ms_of(a) - at_ms_of(b)),
  );
}

function at_ms_of(fault: ScenarioFault): number {
  const at = (fault as { at?: string | number }).at;
  if (typeof at === 'number') return at;
  return at === undefined ? 0 : Number.parseInt(at, 10);
}

export function arb_run_case(options: { max_faults: number; horizon_ms: number; storage?: boolean; job_manager_loss?: boolean }): fc.Arbitrary<RunCase> {
  return fc
    .record({
      network: arb_network(),
      sink: arb_sink(),
      job: arb_job(),
      task_managers: fc.integer({ min: 2, max: 3 }),
      workload: arb_workload(),
      flink: arb_flink(),
      shuffle_ties: fc.boolean(),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    })
    .chain((base) =>
      arb_fault_plan({
        task_managers: base.task_managers,
        horizon_ms: options.horizon_ms,
        max_faults: options.max_faults,
        storage: options.storage ?? false,
        job_manager_loss: options.job_manager_loss ?? false,
        // The external systems crash too: the store every generated sink writes to, and the HA store with HA.
        external: ['txstore', ...(options.job_manager_loss === true ? ['ha'] : [])],
      }).map(
        (faults): RunCase => ({
          ...(base.network !== undefined ? { network: base.network } : {}),
          sink: base.sink,
          job: base.job,
          // JobManager loss is a fault Flink recovers from only with high availability: a standby takes over.
          cluster: { task_managers: base.task_managers, slots_per_task_manager: 2, ...(options.job_manager_loss === true ? { job_manager_ha: true } : {}) },
          workload: base.workload,
          flink: base.flink,
          faults,
          shuffle_ties: base.shuffle_ties,
          seed: base.seed,
        }),
      ),
    );
}

/** The scenario a run case describes (valid by the schema; properties as given). */
export function scenario_of(run_case: RunCase, name: string, properties: NonNullable<Scenario['properties']>, horizon_ms: number): Scenario {
  return {
    name,
    description: `generated by a property test: ${run_case.faults.length} fault(s) on ${run_case.job.name ?? run_case.job.module}`,
    cluster: run_case.cluster,
    job: run_case.job,
    flink: run_case.flink,
    sink: run_case.sink,
    workload: run_case.workload,
    ...(run_case.network !== undefined ? { network: run_case.network } : {}),
    ...(run_case.shuffle_ties ? { simulation: { shuffle_ties: true } } : {}),
    faults: run_case.faults,
    phases: { safety_duration: ms(horizon_ms), liveness_bound: '20s' },
    properties,
    seeds: [run_case.seed],
  };
}
