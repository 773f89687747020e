// Whole-engine cases for the property search: one generated scenario that may use any part of the engine. As
// FoundationDB's BUGGIFY does, each case first switches a random subset of dimensions on (keys, parallelism, backend,
// checkpointing mode and concurrency, rescaling savepoints, split source, clocks, restart strategy, JobManager loss,
// event-triggered faults, storage faults, …) and then draws the scenario within them; switches shrink toward off.
import fc from 'fast-check';
import type { EngineEvent, Scenario } from '../../scenarios/schema/scenario.generated.js';
import { computeDefaultMaxParallelism } from '../../engine/state/key-groups.js';
import { adversarial_keys, arb_wide_keys } from './keys.js';
import { BUILT_IN_JOBS as BUILT_IN_JOB_DEFINITIONS } from '../../engine/examples/index.js';
import type { AnyJobDefinition } from '../../engine/api/job.js';
import { arb_params } from '../arbitraries.js';
import { scenario_conditions, why_event_cannot_fire } from '../../scenarios/fault-triggers.js';
import { parse_flink_config, parse_flink_duration } from '../../scenarios/flink-config.js';
import { build_job_graph, input_topics, job_input, probe_io, type JobUnderTest } from '../../scenarios/job-under-test.js';

type ScenarioFault = NonNullable<Scenario['faults']>[number];
type Flink = NonNullable<Scenario['flink']>;

/** The dimensions a case can switch on. Each has the engine code it reaches in properties/README.md. */
export const DIMENSIONS = [
  'wide_keys',
  'adversarial_keys',
  'high_parallelism',
  'max_parallelism',
  'lsm_backend',
  'unaligned',
  'at_least_once',
  'concurrent_checkpoints',
  'rescale',
  'split_source',
  'multi_input',
  'clock_faults',
  'restart_strategies',
  'job_manager_loss',
  'event_faults',
  'storage_faults',
  'network_latency',
  'link_breaks',
  'shuffle_ties',
  'sink_kinds',
] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export type Dimensions = Record<Dimension, boolean>;

/** The jobs a case may run: a built-in by name, or a user's job from a module through the public job contract. */
export interface CaseJob {
  name?: string;
  /** A module exporting jobs made with defineJob, its path relative to the directory the scenarios are judged from. */
  module?: string;
  export?: string;
  /** Job parameters drawn per case (the scenario's `job.params`). */
  params?: fc.Arbitrary<Record<string, unknown>>;
  /** Topics the job's input has (two: two sources, a task with two input edges). */
  topics?: number;
  /** Whether some task of the job has two input edges (a join, connect, broadcast or union). */
  multi_input?: boolean;
}

/** A label for a case job (its name, or module#export). */
export function case_job_label(job: CaseJob): string {
  return job.name ?? `${job.module ?? '?'}#${job.export ?? 'default'}`;
}

/**
 * The built-in jobs, from the job registry (no job is named here): each with its parameters drawn from its own
 * declarations (their `explore` ranges) and the number of topics its input has (two: a task with two input edges).
 */
export const BUILT_IN_JOBS: readonly CaseJob[] = [...BUILT_IN_JOB_DEFINITIONS].map(([name, definition]) => ({
  name,
  params: arb_params(definition.params),
  topics: input_topic_count(definition),
  multi_input: has_multi_input_task(definition),
}));

/**
 * Whether some task of the job has two or more input edges, at its default parameters or at any of a few parameter
 * sets drawn from its declarations (a parameter may choose the graph's shape).
 */
export function has_multi_input_task(definition: AnyJobDefinition): boolean {
  const scenario: Scenario = { name: 'probe', description: 'probe', job: { name: 'probe' } };
  const candidates = [default_params(definition), ...fc.sample(arb_params(definition.params), { numRuns: 8, seed: 1 })];
  return candidates.some((params) => {
    const job: JobUnderTest = { name: 'probe', definition, params: { ...default_params(definition), ...(params as Record<string, unknown>) } };
    try {
      const input = job_input(job, 1, { records: 10, keys: 2, partitions: 1 });
      return build_job_graph(job, probe_io(scenario, input_topics(input))).nodes.some((node) => node.inputs.length >= 2);
    } catch {
      return false;
    }
  });
}

/** How many topics a job's input has (generated once, small). */
export function input_topic_count(definition: AnyJobDefinition): number {
  const input = definition.input;
  if ('records' in input) return input.records instanceof Map ? input.records.size : Object.keys(input.records).length;
  const records = input.generate({ seed: 1, params: default_params(definition), workload: { records: 10, keys: 2, partitions: 1 } });
  return records instanceof Map ? records.size : Object.keys(records).length;
}

function default_params(definition: AnyJobDefinition): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(definition.params)) {
    const value = spec.default;
    if (value === undefined) continue;
    if (spec.type !== 'duration') out[name] = value;
    else {
      const parsed = parse_flink_duration(value as string | number);
      out[name] = parsed.ok ? parsed.value : 0;
    }
  }
  return out;
}

export interface EngineCaseOptions {
  /** Faults happen in [0, horizon_ms) (the safety phase). */
  horizon_ms: number;
  max_faults: number;
  /** Dimensions the search may switch on (default all). */
  dimensions?: readonly Dimension[];
  jobs?: readonly CaseJob[];
  /** Liveness bound after healing. */
  liveness_bound_ms?: number;
}

/** A generated case: the dimensions switched on and the scenario drawn within them. */
export interface EngineCase {
  dimensions: Dimensions;
  scenario: Scenario;
  seed: number;
  /** Topics the job's input has (two: a task with two input edges). */
  job_topics?: number;
}

const ms = (value: number): string => `${value} ms`;

/** Engine events a fault can be placed after ("5 ms after checkpoint 3 completed"). */
export const FAULT_TRIGGER_EVENTS: readonly EngineEvent[] = [
  'checkpoint.triggered',
  'checkpoint.finalizing',
  'checkpoint.completed',
  'sink.precommitted',
  'sink.committed',
  'recovery.started',
  'recovery.restored',
  'tm.deployed',
  'source.rewound',
  'jm.savepoint_completed',
];

/** Each dimension on with probability 1/2; a case with nothing on is the plain word count under timed faults. */
export function arb_dimensions(allowed: readonly Dimension[] = DIMENSIONS): fc.Arbitrary<Dimensions> {
  const record = Object.fromEntries(DIMENSIONS.map((d) => [d, allowed.includes(d) ? fc.boolean() : fc.constant(false)])) as Record<Dimension, fc.Arbitrary<boolean>>;
  return fc.record(record);
}

interface Shape {
  job: CaseJob;
  job_params: Record<string, unknown> | undefined;
  parallelism: number;
  resume_parallelism: number | undefined;
  max_parallelism: number | undefined;
  task_managers: number;
  slots: number;
  seed: number;
}

function arb_shape(d: Dimensions, all_jobs: readonly CaseJob[]): fc.Arbitrary<Shape> {
  // multi_input: a job whose tasks have two input edges (two sources joined, connected or broadcast), when there is one.
  const multi = all_jobs.filter((job) => job.multi_input === true);
  const jobs = d.multi_input && multi.length > 0 ? multi : all_jobs;
  const parallelism = d.high_parallelism ? fc.integer({ min: 4, max: 8 }) : fc.integer({ min: 1, max: 3 });
  return fc
    .record({
      job: fc.constantFrom(...jobs),
      parallelism,
      resume_parallelism: d.rescale ? fc.option(d.high_parallelism ? fc.integer({ min: 1, max: 8 }) : fc.integer({ min: 1, max: 4 }), { nil: undefined, freq: 4 }) : fc.constant(undefined),
      max_parallelism_choice: fc.constantFrom('exact', 'plus_one', 'small', 'default', 'odd', 'large'),
      task_managers: fc.integer({ min: 2, max: 4 }),
      seed: fc.integer({ min: 1, max: 1_000_000 }),
    })
    .chain((base) => {
      const params = base.job.params ?? fc.constant(undefined);
      return params.map((job_params) => {
        const widest = Math.max(base.parallelism, base.resume_parallelism ?? 0);
        let max_parallelism: number | undefined;
        if (d.max_parallelism) {
          const choices: Record<string, number> = { exact: widest, plus_one: widest + 1, small: Math.max(widest, 7), default: 128, odd: Math.max(widest, 31), large: 1000 };
          max_parallelism = choices[base.max_parallelism_choice];
        }
        const slots = Math.max(1, Math.ceil(widest / base.task_managers));
        return {
          job: base.job,
          job_params: job_params as Record<string, unknown> | undefined,
          parallelism: base.parallelism,
          resume_parallelism: base.resume_parallelism,
          max_parallelism,
          task_managers: base.task_managers,
          slots,
          seed: base.seed,
        };
      });
    });
}

type KeyNames = NonNullable<NonNullable<Scenario['workload']>['key_names']>;

function arb_keys(d: Dimensions, shape: Shape): fc.Arbitrary<{ keys?: number; key_names?: KeyNames }> {
  const count = fc.integer({ min: 1, max: 60 }).map((keys) => ({ keys }));
  if (!d.wide_keys && !d.adversarial_keys) return count;
  const max_parallelism = shape.max_parallelism ?? computeDefaultMaxParallelism(Math.max(shape.parallelism, shape.resume_parallelism ?? 0));
  const parallelisms = [shape.parallelism, ...(shape.resume_parallelism !== undefined ? [shape.resume_parallelism] : [])];
  const wide = d.wide_keys ? arb_wide_keys(200) : fc.constant<string[]>([]);
  const adversarial = d.adversarial_keys
    ? fc
        .record({ collisions: fc.integer({ min: 0, max: 8 }), unicode: fc.integer({ min: 0, max: 14 }), filler: fc.integer({ min: 0, max: 10 }) })
        .map((options) => adversarial_keys(max_parallelism, parallelisms, options))
    : fc.constant<string[]>([]);
  return fc.tuple(adversarial, wide).map(([a, w]) => {
    const names = [...new Set([...a, ...w])];
    return names.length === 0 ? { keys: 1 } : { key_names: names.slice(0, 10_000) as KeyNames };
  });
}

function arb_restart_strategy(d: Dimensions): fc.Arbitrary<Flink> {
  const fixed = fc.record({
    'restart-strategy.type': fc.constant('fixed-delay' as const),
    'restart-strategy.fixed-delay.attempts': fc.integer({ min: 3, max: 10 }),
    'restart-strategy.fixed-delay.delay': fc.integer({ min: 10, max: 500 }).map(ms),
  });
  if (!d.restart_strategies) return fixed;
  return fc.oneof(
    fixed,
    fc.record({
      'restart-strategy.type': fc.constant('fixed-delay' as const),
      'restart-strategy.fixed-delay.attempts': fc.integer({ min: 0, max: 3 }),
      'restart-strategy.fixed-delay.delay': fc.integer({ min: 0, max: 300 }).map(ms),
    }),
    fc.record({
      'restart-strategy.type': fc.constant('failure-rate' as const),
      'restart-strategy.failure-rate.max-failures-per-interval': fc.integer({ min: 1, max: 5 }),
      'restart-strategy.failure-rate.failure-rate-interval': fc.integer({ min: 100, max: 5000 }).map(ms),
      'restart-strategy.failure-rate.delay': fc.integer({ min: 0, max: 500 }).map(ms),
    }),
    fc
      .record({
        'restart-strategy.type': fc.constant('exponential-delay' as const),
        'restart-strategy.exponential-delay.initial-backoff': fc.integer({ min: 1, max: 200 }),
        'restart-strategy.exponential-delay.max-backoff': fc.integer({ min: 0, max: 2000 }),
        'restart-strategy.exponential-delay.backoff-multiplier': fc.constantFrom(1.2, 1.5, 2, 3),
        'restart-strategy.exponential-delay.reset-backoff-threshold': fc.integer({ min: 50, max: 5000 }).map(ms),
        'restart-strategy.exponential-delay.jitter-factor': fc.constantFrom(0, 0.1, 0.5),
        'restart-strategy.exponential-delay.attempts-before-reset-backoff': fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
      })
      .map(({ 'restart-strategy.exponential-delay.attempts-before-reset-backoff': attempts, ...rest }) => {
        const initial = rest['restart-strategy.exponential-delay.initial-backoff'];
        const out: Flink = {
          ...rest,
          'restart-strategy.exponential-delay.initial-backoff': ms(initial),
          'restart-strategy.exponential-delay.max-backoff': ms(initial + rest['restart-strategy.exponential-delay.max-backoff']),
        };
        if (attempts !== undefined) out['restart-strategy.exponential-delay.attempts-before-reset-backoff'] = attempts;
        return out;
      }),
    fc.constant<Flink>({ 'restart-strategy.type': 'none' }),
  );
}

function arb_flink(d: Dimensions): fc.Arbitrary<Flink> {
  const checkpointing = fc.record({
    interval: fc.integer({ min: 50, max: 800 }),
    max_concurrent: d.concurrent_checkpoints && !d.unaligned ? fc.integer({ min: 2, max: 4 }) : fc.constant(1),
    min_pause: d.concurrent_checkpoints ? fc.integer({ min: 0, max: 200 }) : fc.constant(0),
    tolerable: d.concurrent_checkpoints || d.storage_faults ? fc.integer({ min: 0, max: 5 }) : fc.constant(0),
    // Mostly a timeout no healthy checkpoint reaches; sometimes a tight one that backpressure alone can exceed.
    timeout: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 6000, max: 12000 }) }, { weight: 1, arbitrary: fc.integer({ min: 300, max: 5999 }) }),
    retained: fc.integer({ min: 1, max: 3 }),
    aligned_timeout: d.unaligned ? fc.constantFrom(0, 0, 5, 50) : fc.constant(0),
    incremental: d.lsm_backend ? fc.boolean() : fc.constant(false),
    write_buffer_bytes: d.lsm_backend ? fc.constantFrom(256, 4096, 65536) : fc.constant(0),
    buffer_timeout: fc.constantFrom<string | number>('100 ms', '0 ms', '5 ms', -1),
    heartbeat_interval: fc.integer({ min: 50, max: 300 }),
    heartbeat_ratio: fc.integer({ min: 2, max: 6 }),
  });
  return fc.tuple(checkpointing, arb_restart_strategy(d)).map(([c, restart]) => {
    const flink: Flink = {
      'execution.checkpointing.interval': ms(c.interval),
      'execution.checkpointing.timeout': ms(c.timeout),
      'state.checkpoints.num-retained': c.retained,
      'execution.buffer-timeout.interval': c.buffer_timeout,
      'heartbeat.interval': ms(c.heartbeat_interval),
      'heartbeat.timeout': ms(c.heartbeat_interval * c.heartbeat_ratio),
      ...restart,
    };
    if (d.at_least_once && !d.unaligned) flink['execution.checkpointing.mode'] = 'AT_LEAST_ONCE';
    if (d.unaligned) {
      flink['execution.checkpointing.unaligned.enabled'] = true;
      if (c.aligned_timeout > 0) flink['execution.checkpointing.aligned-checkpoint-timeout'] = ms(c.aligned_timeout);
    }
    if (c.max_concurrent > 1) flink['execution.checkpointing.max-concurrent-checkpoints'] = c.max_concurrent;
    if (c.min_pause > 0) flink['execution.checkpointing.min-pause'] = ms(c.min_pause);
    if (c.tolerable > 0) flink['execution.checkpointing.tolerable-failed-checkpoints'] = c.tolerable;
    if (d.lsm_backend) {
      flink['state.backend.type'] = 'rocksdb';
      if (c.incremental) flink['state.backend.incremental'] = true;
      flink['state.backend.rocksdb.writebuffer.size'] = c.write_buffer_bytes;
    }
    return flink;
  });
}

interface FaultContext {
  d: Dimensions;
  horizon_ms: number;
  task_managers: string[];
  /** Processes that may crash or pause. */
  processes: string[];
  resume_parallelism: number | undefined;
  /** External systems whose own disks hold what they promise durably (storage_faults: their disks fail, fill, slow). */
  disk_owners: string[];
}

/** When a fault happens: at a time, or (event_faults) a delay after the n-th occurrence of an engine event. */
function arb_when(c: FaultContext): fc.Arbitrary<{ at: string } | { on: { event: EngineEvent; occurrence: number; delay: string } }> {
  const at = fc.integer({ min: 0, max: Math.max(0, c.horizon_ms - 1) }).map((t) => ({ at: ms(t) }));
  if (!c.d.event_faults) return at;
  const on = fc
    .record({ event: fc.constantFrom(...FAULT_TRIGGER_EVENTS), occurrence: fc.integer({ min: 1, max: 6 }), delay: fc.integer({ min: 0, max: 50 }) })
    .map(({ event, occurrence, delay }) => ({ on: { event, occurrence, delay: ms(delay) } }));
  return fc.oneof(at, on);
}

function arb_fault(c: FaultContext): fc.Arbitrary<ScenarioFault> {
  const when = arb_when(c);
  const short = fc.integer({ min: 10, max: 3000 }).map(ms);
  const anyone = fc.constantFrom(...c.processes);
  const endpoints = [...c.processes, ...(c.processes.includes('jm') ? [] : ['jm'])];
  const pair = fc.tuple(fc.constantFrom(...endpoints), fc.constantFrom(...endpoints)).filter(([a, b]) => a !== b);
  // storage_faults: a crash also takes what its process had not synced (each write at random, or all dropped, torn or
  // kept), and may hit the external systems whose logs live on their own disks.
  const unsynced_writes = c.d.storage_faults
    ? fc.constantFrom(undefined, 'dropped' as const, 'torn' as const, 'kept' as const)
    : fc.constant(undefined);
  const crash_target = c.d.storage_faults && c.disk_owners.length > 0 ? fc.constantFrom(...c.processes, ...c.disk_owners) : anyone;
  const crash: fc.Arbitrary<ScenarioFault> = fc
    .record({ when, target: crash_target, restart_after: fc.option(short, { nil: undefined, freq: 6 }), unsynced_writes })
    .map(({ when, target, restart_after, unsynced_writes }) => ({
      kind: 'crash' as const,
      target,
      ...when,
      ...(restart_after !== undefined || c.disk_owners.includes(target) ? { restart_after: restart_after ?? '200 ms' } : {}),
      ...(unsynced_writes !== undefined ? { unsynced_writes } : {}),
    }));
  const kinds: fc.Arbitrary<ScenarioFault>[] = [
    fc.record({ when, target: anyone, duration: short }).map(({ when, ...rest }) => ({ kind: 'pause' as const, ...rest, ...when })),
    fc.record({ when, pair, duration: short, one_way: fc.boolean() }).map(({ when, pair: [a, b], duration, one_way }) => ({
      kind: 'partition' as const,
      groups: [[a], [b]],
      duration,
      ...(one_way ? { one_way: true } : {}),
      ...when,
    })),
    fc.record({ when, duration: short }).map(({ when, duration }) => ({ kind: 'sink_outage' as const, duration, ...when })),
    fc.record({ when, duration: short }).map(({ when, duration }) => ({ kind: 'source_outage' as const, duration, ...when })),
  ];
  if (c.d.link_breaks) {
    kinds.push(fc.record({ when, pair }).map(({ when, pair: [a, b] }) => ({ kind: 'link_break' as const, between: [a, b], ...when })));
  }
  if (c.d.clock_faults) {
    kinds.push(
      fc
        .record({
          when,
          target: anyone,
          offset_ms: fc.option(fc.integer({ min: -5000, max: 5000 }), { nil: undefined }),
          drift_ppm: fc.option(fc.constantFrom(-100_000, -1000, -100, 100, 1000, 100_000), { nil: undefined }),
        })
        .map(({ when, target, offset_ms, drift_ppm }) => ({
          kind: 'clock' as const,
          target,
          ...when,
          ...(offset_ms !== undefined || drift_ppm === undefined ? { offset_ms: offset_ms ?? 1000 } : {}),
          ...(drift_ppm !== undefined ? { drift_ppm } : {}),
        })),
    );
  }
  if (c.d.storage_faults) {
    kinds.push(
      fc
        .record({
          when,
          mode: fc.constantFrom('io_error' as const, 'slow' as const, 'lost_write' as const, 'bit_flip' as const, 'torn_write' as const, 'disk_full' as const, 'slow_sync' as const),
          duration: short,
          probability: fc.constantFrom(1, 0.5, 0.1),
          extra_latency: fc.integer({ min: 10, max: 500 }).map(ms),
        })
        .map(({ when, mode, duration, probability, extra_latency }) => ({
          kind: 'storage_fault' as const,
          store: 'checkpoint_store' as const,
          mode,
          duration,
          ...(probability < 1 ? { probability } : {}),
          ...(mode === 'slow' || mode === 'slow_sync' ? { extra_latency } : {}),
          ...when,
        })),
      fc
        .record({ when, which: fc.constantFrom('latest' as const, 'oldest_retained' as const), damage: fc.constantFrom('bit_flip' as const, 'torn_write' as const, 'missing' as const) })
        .map(({ when, ...rest }) => ({ kind: 'corrupt_checkpoint' as const, ...rest, ...when })),
    );
    if (c.disk_owners.length > 0) {
      kinds.push(
        fc
          .record({
            when,
            target: fc.constantFrom(...c.disk_owners),
            mode: fc.constantFrom('io_error' as const, 'disk_full' as const, 'slow_sync' as const),
            duration: short,
            extra_latency: fc.integer({ min: 10, max: 500 }).map(ms),
          })
          .map(({ when, target, mode, duration, extra_latency }) => ({
            kind: 'storage_fault' as const,
            store: 'disk' as const,
            target,
            mode,
            duration,
            ...(mode === 'slow_sync' ? { extra_latency } : {}),
            ...when,
          })),
      );
      if (c.d.event_faults) {
        // A store crashed while it writes: a few ms after the sinks' transactions or a checkpoint's HA pointer are
        // sent its way, so the write it had not synced is torn or lost and its log or slot is cut short at reload.
        kinds.push(
          fc
            .record({
              target: fc.constantFrom(...c.disk_owners),
              event: fc.constantFrom('sink.precommitted' as const, 'sink.committed' as const, 'checkpoint.finalizing' as const),
              occurrence: fc.integer({ min: 1, max: 6 }),
              delay: fc.integer({ min: 0, max: 20 }),
              unsynced_writes: fc.constantFrom('torn' as const, 'dropped' as const),
            })
            .map(({ target, event, occurrence, delay, unsynced_writes }) => ({
              kind: 'crash' as const,
              target,
              on: { event, occurrence, delay: ms(delay) },
              restart_after: '100 ms',
              unsynced_writes,
            })),
        );
      }
    }
  }
  if (c.d.rescale) {
    kinds.push(
      fc.record({ when, stop: fc.boolean(), resume_after: fc.integer({ min: 0, max: 1000 }).map(ms) }).map(({ when, stop, resume_after }) => ({
        kind: 'savepoint' as const,
        ...when,
        ...(stop ? { stop: true, resume_parallelism: c.resume_parallelism ?? 1, resume_after } : {}),
      })),
    );
  }
  // Crashes restore state, which is what most recovery bugs need in order to show: as BUGGIFY favours the faults
  // that matter, a crash is drawn as often as three other kinds together.
  return fc.oneof({ arbitrary: crash, weight: CRASH_WEIGHT }, ...kinds.map((arbitrary) => ({ arbitrary, weight: 1 })));
}

/** How many times as often a crash is drawn as each other fault kind. */
export const CRASH_WEIGHT = 3;

function at_ms(fault: ScenarioFault): number {
  const at = (fault as { at?: string }).at;
  return at === undefined ? Number.POSITIVE_INFINITY : Number.parseInt(at, 10);
}

/** Faults of a case, timed ones sorted by time, event-triggered ones after them. */
function arb_faults(c: FaultContext, max_faults: number): fc.Arbitrary<ScenarioFault[]> {
  const plan = fc.array(arb_fault(c), { maxLength: max_faults }).map((faults) => [...faults].sort((a, b) => at_ms(a) - at_ms(b)));
  if (!c.d.rescale || c.resume_parallelism === undefined) return plan;
  // A rescaling case always stops with a savepoint and resumes at the other parallelism (the rest may shrink away).
  return fc.tuple(plan, fc.integer({ min: 0, max: Math.max(0, c.horizon_ms - 1) })).map(([faults, when]) => {
    if (faults.some((f) => f.kind === 'savepoint' && f.stop === true)) return faults;
    const stop: ScenarioFault = { kind: 'savepoint', at: ms(when), stop: true, resume_parallelism: c.resume_parallelism, resume_after: '100 ms' };
    return [...faults, stop].sort((a, b) => at_ms(a) - at_ms(b));
  });
}

function arb_network(d: Dimensions): fc.Arbitrary<NonNullable<Scenario['network']> | undefined> {
  if (!d.network_latency) return fc.constant(undefined);
  return fc.oneof(
    fc.record({ latency: fc.record({ model: fc.constant('uniform' as const), min: fc.constant('1 ms'), max: fc.integer({ min: 1, max: 20 }).map(ms) }) }),
    fc.record({
      latency: fc.record({
        model: fc.constant('spikes' as const),
        value: fc.constant('2 ms'),
        spike: fc.integer({ min: 20, max: 400 }).map(ms),
        spike_probability: fc.constantFrom(0.001, 0.01, 0.05),
      }),
    }),
  );
}

/** The worst one-way delay of a generated latency model (ms). */
function worst_latency_ms(network: NonNullable<Scenario['network']> | undefined): number {
  const latency = network?.latency;
  if (latency === undefined) return 2;
  const parse = (value: string | number | undefined): number => (typeof value === 'number' ? value : Number.parseInt(String(value ?? '0'), 10));
  return Math.max(parse(latency.max), parse(latency.value), parse(latency.spike));
}

/** A heartbeat timeout no delay of the network can exceed: the drawn one, or interval + 2 × worst delay + 50 ms. */
function sane_heartbeat_timeout_ms(flink: Flink, network: NonNullable<Scenario['network']> | undefined): number {
  const interval = Number.parseInt(String(flink['heartbeat.interval']), 10);
  const timeout = Number.parseInt(String(flink['heartbeat.timeout']), 10);
  return Math.max(timeout, interval + 2 * worst_latency_ms(network) + 50);
}

function arb_sink(d: Dimensions): fc.Arbitrary<NonNullable<Scenario['sink']>> {
  if (!d.sink_kinds) return fc.constant({ kind: 'two_phase_commit' as const, transaction_timeout: '10 min' });
  return fc.constantFrom<NonNullable<Scenario['sink']>>({ kind: 'two_phase_commit', transaction_timeout: '10 min' }, { kind: 'idempotent' }, { kind: 'at_least_once' });
}

/** A whole-engine case: dimensions first, then a scenario that uses exactly them. */
export function arb_engine_case(options: EngineCaseOptions): fc.Arbitrary<EngineCase> {
  const jobs = options.jobs ?? BUILT_IN_JOBS;
  return arb_dimensions(options.dimensions).chain((d) =>
    arb_shape(d, jobs).chain((shape) => {
      const task_managers = Array.from({ length: shape.task_managers }, (_, i) => `tm-${i + 1}`);
      const processes = [...task_managers, ...(d.job_manager_loss ? ['jm', 'jm-standby'] : [])];
      // The transactional store keeps its log on its disk (every case has one); the HA store its records.
      const disk_owners = ['txstore', ...(d.job_manager_loss ? ['ha'] : [])];
      const fault_context: FaultContext = { d, horizon_ms: options.horizon_ms, task_managers, processes, resume_parallelism: shape.resume_parallelism, disk_owners };
      return fc
        .record({
          keys: arb_keys(d, shape),
          workload: fc.record({
            records: fc.integer({ min: 100, max: 2000 }),
            rate_per_second: fc.integer({ min: 500, max: 4000 }),
            source_partitions: fc.integer({ min: 1, max: d.high_parallelism ? 8 : 4 }),
          }),
          flink: arb_flink(d),
          sink: arb_sink(d),
          network: arb_network(d),
          faults: arb_faults(fault_context, options.max_faults),
          // Usually the heartbeat timeout outlasts the network's worst delay (as in any real deployment); sometimes
          // not, and then heartbeats may time out with no process at fault.
          harsh_heartbeats: fc.boolean().map((harsh) => harsh && d.network_latency),
        })
        .map((drawn): EngineCase => {
          if (!drawn.harsh_heartbeats) drawn.flink['heartbeat.timeout'] = ms(sane_heartbeat_timeout_ms(drawn.flink, drawn.network));
          const job: Scenario['job'] = (
            shape.job.module !== undefined
              ? { module: shape.job.module, ...(shape.job.export !== undefined ? { export: shape.job.export } : {}), parallelism: shape.parallelism }
              : { name: shape.job.name, parallelism: shape.parallelism }
          ) as Scenario['job'];
          if (shape.max_parallelism !== undefined) (job as { max_parallelism?: number }).max_parallelism = shape.max_parallelism;
          if (shape.job_params !== undefined && Object.keys(shape.job_params).length > 0) (job as { params?: unknown }).params = shape.job_params;
          const scenario: Scenario = {
            name: 'search',
            description: `generated by the property search with ${DIMENSIONS.filter((x) => d[x]).join(', ') || 'no dimension'} on: ${drawn.faults.length} fault(s) on ${case_job_label(shape.job)}`,
            cluster: { task_managers: shape.task_managers, slots_per_task_manager: shape.slots, ...(d.job_manager_loss ? { job_manager_ha: true } : {}) },
            job,
            flink: drawn.flink,
            sink: drawn.sink,
            workload: { ...drawn.workload, ...drawn.keys, ...(d.split_source ? { source: 'split' as const } : {}) },
            ...(drawn.network !== undefined ? { network: drawn.network } : {}),
            ...(d.shuffle_ties ? { simulation: { shuffle_ties: true } } : {}),
            faults: drawn.faults,
            phases: { safety_duration: ms(options.horizon_ms), liveness_bound: ms(options.liveness_bound_ms ?? 20_000) },
            seeds: [shape.seed],
          };
          // A fault on an event this scenario never logs (sink.committed without a two-phase-commit sink, …) is left out.
          const flink = parse_flink_config(scenario.flink as Record<string, unknown>);
          const conditions = scenario_conditions(scenario, flink.ok ? flink.config : undefined);
          if (conditions !== undefined) {
            scenario.faults = (scenario.faults ?? []).filter((f) => {
              const on = (f as { on?: { event: string } }).on;
              return on === undefined || why_event_cannot_fire(on.event, conditions) === undefined;
            });
          }
          return { dimensions: d, scenario, seed: shape.seed, ...(shape.job.topics !== undefined ? { job_topics: shape.job.topics } : {}) };
        });
    }),
  );
}
