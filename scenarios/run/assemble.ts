// Builds the world of one scenario run: the seeded World (network and storage models, trace sink), the engine
// processes under the scenario's process ids (jm, tm-1..N, broker, collector) and the job's input, produced over
// virtual time by the paced broker. Mirrors scenarios/cluster.ts, plus pacing and the scenario's latency models.
import { createJobManager, type JobManager, type JobManagerConfig, type JobStatus } from '../../engine/cluster/job-manager.js';
import { createTaskManager, type TaskManager, type TaskManagerConfig } from '../../engine/cluster/task-manager.js';
import type { JobCatalogue } from '../../engine/cluster/build-job.js';
import type { JobSpec } from '../../engine/cluster/messages.js';
import { createCollector, type CollectorNode } from '../../engine/connectors/collect-sink.js';
import type { LogRecord } from '../../engine/connectors/log-broker.js';
import { LogSourceReader } from '../../engine/connectors/log-source.js';
import { create_transactional_store, type TransactionalStore } from '../../engine/connectors/transactional-store.js';
import { create_ha_store_node } from '../../engine/ha/index.js';
import type { JobFactory } from '../../engine/api/environment.js';
import type { AnyJobDefinition } from '../../engine/api/job.js';
import { job_factory, type JobIoConfig } from '../../engine/connectors/job-io.js';
import type { KeyedStateBackend, StateEntry } from '../../engine/state/backend.js';
import type { StreamOperator } from '../../engine/task/operators.js';
import type { Task } from '../../engine/task/task.js';
import { compareEntries } from '../../engine/state/memory-backend.js';
import { World, type SimProcess, type TraceSink, type WorldOptions } from '../../sim/index.js';
import type { SinkKind } from '../result-format.js';
import { engineNodeOf, hostEngineNode } from '../host.js';
import { createPacedBroker, type PacedBroker } from './paced-broker.js';
import { skew_input, ZipfKeys } from './skew.js';
import type { RunPlan } from './plan.js';
import { build_job_graph, engine_sink_kind_of, input_topics, job_input, output_sink_uid, type JobUnderTest } from '../job-under-test.js';

export { engine_sink_kind_of } from '../job-under-test.js';

export const JOB_MANAGER_ID = 'jm';
export const BROKER_ID = 'broker';
export const COLLECTOR_ID = 'collector';
export const TXSTORE_ID = 'txstore';
/** With `cluster.job_manager_ha`: the standby JobManager and the HA store process. */
export const STANDBY_JOB_MANAGER_ID = 'jm-standby';
export const HA_STORE_ID = 'ha';

/** The job as this run runs it: the definition, its factory with this run's connectors, and what is compared. */
export interface RunJob {
  under_test: JobUnderTest;
  /** The definition the engine runs (a planted-bug seam may swap it; the oracle still uses under_test's). */
  definition: AnyJobDefinition;
  /** (env, params) → graph with this run's connectors: what the engine's processes and the oracle build. */
  build: JobFactory;
  /** Uid of the sink whose output is compared. */
  sink_uid: string;
  outputKey(record: unknown): string;
  /** The id an idempotent sink upserts a record under. */
  outputId(record: unknown): string;
  /** The job's own output check (engine/api/job.ts OutputSpec.check), when its output depends on time's progress. */
  outputCheck: AnyJobDefinition['output']['check'];
}

export interface AssembledRun {
  world: World;
  job: RunJob;
  spec: JobSpec;
  input: Map<string, LogRecord[][]>;
  total_input_records: number;
  task_manager_ids: string[];
  /** The sink kind the engine's example job actually writes through (may differ from what the scenario asked). */
  engine_sink_kind: SinkKind | 'other';
}

/**
 * Test-only injection points: planted bugs (properties/planted-bugs/) hand in buggy engine parts here. The
 * production path (run_scenario) passes none.
 */
export interface EngineSeams {
  /** Replaces the job the engine runs (e.g. the same job built with a buggy sink); the oracle keeps the real one. */
  job?: (definition: AnyJobDefinition) => AnyJobDefinition;
  /** A job catalogue to run instead (engine-level tests that bypass the job contract). */
  jobs?: JobCatalogue;
  task_manager?: Partial<Omit<TaskManagerConfig, 'job_manager' | 'slots' | 'jobs'>>;
  /** Rewrites the JobManager's configuration (e.g. a checkpointing mode other than the scenario's). */
  job_manager?: (config: JobManagerConfig) => JobManagerConfig;
}

/** The engine's checkpoint and restart configuration for the scenario's Flink configuration. */
export function job_manager_config(plan: RunPlan, spec: JobSpec, jobs: JobCatalogue): JobManagerConfig {
  const flink = plan.flink;
  const config: JobManagerConfig = {
    job: spec,
    jobs,
    expected_task_managers: plan.task_managers,
    heartbeat_interval_ms: flink.heartbeat.interval_ms,
    heartbeat_timeout_ms: flink.heartbeat.timeout_ms,
    heartbeat_rpc_failure_threshold: flink.heartbeat.rpc_failure_threshold,
  };
  const checkpointing = flink.checkpointing;
  if (checkpointing.enabled && checkpointing.interval_ms !== null) {
    config.checkpointing = {
      // Exactly-once aligns barriers (or lets them overtake: unaligned); at-least-once only counts them.
      mode: checkpointing.mode === 'AT_LEAST_ONCE' ? 'at_least_once' : checkpointing.unaligned_enabled ? 'unaligned' : 'aligned',
      ...(checkpointing.unaligned_enabled ? { aligned_checkpoint_timeout_ms: checkpointing.aligned_checkpoint_timeout_ms } : {}),
      state_backend: flink.state_backend.type === 'rocksdb' ? 'lsm' : 'heap',
      state_backend_options:
        flink.state_backend.type === 'rocksdb'
          ? { incremental: flink.state_backend.incremental, write_buffer_size_bytes: flink.state_backend.write_buffer_size_bytes }
          : { memory_threshold_bytes: flink.state_backend.inline_threshold_bytes },
      interval_ms: checkpointing.interval_ms,
      timeout_ms: checkpointing.timeout_ms,
      min_pause_ms: checkpointing.min_pause_ms,
      max_concurrent: checkpointing.max_concurrent_checkpoints,
      tolerable_failures: checkpointing.tolerable_failed_checkpoints,
      num_retained: checkpointing.num_retained,
      retention:
        checkpointing.externalized_retention === 'RETAIN_ON_CANCELLATION'
          ? 'RETAIN_ON_CANCELLATION'
          : checkpointing.externalized_retention === 'DELETE_ON_CANCELLATION'
            ? 'DELETE_ON_CANCELLATION'
            : 'NO_EXTERNALIZED',
    };
  }
  const strategy = flink.restart_strategy;
  switch (strategy.type) {
    case 'none':
      config.restart_strategy = { type: 'none' };
      break;
    case 'fixed-delay':
      config.restart_strategy = { type: 'fixed-delay', attempts: strategy.attempts, delay_ms: strategy.delay_ms };
      break;
    case 'failure-rate':
      config.restart_strategy = {
        type: 'failure-rate',
        max_failures_per_interval: strategy.max_failures_per_interval,
        failure_rate_interval_ms: strategy.interval_ms,
        delay_ms: strategy.delay_ms,
      };
      break;
    case 'exponential-delay':
      config.restart_strategy = {
        type: 'exponential-delay',
        initial_backoff_ms: strategy.initial_backoff_ms,
        max_backoff_ms: strategy.max_backoff_ms,
        backoff_multiplier: strategy.backoff_multiplier,
        reset_backoff_threshold_ms: strategy.reset_backoff_threshold_ms,
        jitter_factor: strategy.jitter_factor,
        attempts: strategy.attempts_before_reset_backoff,
      };
      break;
  }
  return config;
}

export function assemble(plan: RunPlan, seed: number, trace: TraceSink, seams: EngineSeams = {}): AssembledRun {
  const world_options: WorldOptions = { seed, scenario: plan.scenario.name, trace };
  if (plan.network_latency !== undefined) world_options.network = { default_latency: plan.network_latency };
  if (plan.shuffle_ties) world_options.shuffle_ties = true;
  const storage: NonNullable<WorldOptions['storage']> = {};
  if (plan.checkpoint_store_latency !== undefined) storage.checkpoint_store = { latency: plan.checkpoint_store_latency };
  if (plan.disk_latency !== undefined) storage.disk = { latency: plan.disk_latency };
  world_options.storage = storage;
  const world = new World(world_options);

  const under_test = plan.job;
  // The input seed comes from the world's "workload" stream, so one seed decides the data too.
  const workload_seed = world.random('workload').int_inclusive(1, 2_147_483_646);
  const sizes = {
    records: plan.workload.records,
    keys: plan.workload.keys,
    partitions: plan.workload.source_partitions,
    ...(plan.workload.key_names !== undefined ? { key_names: plan.workload.key_names } : {}),
  };
  const generated = job_input(under_test, workload_seed, sizes);
  const input =
    plan.workload.key_distribution === 'zipf'
      ? skew_input(under_test, generated, new ZipfKeys(plan.workload.keys, plan.workload.zipf_exponent, world.random('workload/zipf')), {
          seed: workload_seed,
          params: under_test.params,
          workload: sizes,
        })
      : generated;
  const io: JobIoConfig = {
    broker: BROKER_ID,
    store: TXSTORE_ID,
    collector: COLLECTOR_ID,
    sink_kind: plan.sink_kind,
    bounded: plan.workload.bounded,
    topics: input_topics(input),
    ...(plan.workload.source_request_timeout_ms === undefined ? {} : { source_request_timeout_ms: plan.workload.source_request_timeout_ms }),
    ...(plan.workload.source !== 'log' ? { source_kind: plan.workload.source } : {}),
    ...(plan.sink_ignore_failures_after_transaction_timeout ? { sink_ignore_failures_after_transaction_timeout: true } : {}),
  };
  const definition = seams.job?.(under_test.definition) ?? under_test.definition;
  const engine_job: JobUnderTest = { ...under_test, definition };
  const spec: JobSpec = { name: under_test.name, params: under_test.params, parallelism: plan.parallelism };
  if (plan.max_parallelism !== undefined) spec.max_parallelism = plan.max_parallelism;
  const jobs: JobCatalogue = seams.jobs ?? new Map([[spec.name, job_factory(definition, io)]]);
  // The compared sink and the kind it writes with, read from the graph the engine will run.
  const sink = output_sink_uid(engine_job, build_job_graph(engine_job, io));
  if (!sink.ok) throw new Error(`${under_test.name}: ${sink.message}`);
  const job: RunJob = {
    under_test,
    definition,
    build: job_factory(under_test.definition, io),
    sink_uid: sink.uid,
    outputKey: under_test.definition.output.key,
    outputId: under_test.definition.output.id,
    outputCheck: under_test.definition.output.check,
  };
  let total_input_records = 0;
  const partition_records = new Map<string, number[]>();
  for (const [topic, partitions] of input) {
    partition_records.set(topic, partitions.map((records) => records.length));
    for (const records of partitions) total_input_records += records.length;
  }

  world.add_process(
    BROKER_ID,
    hostEngineNode(
      createPacedBroker(
        { topics: [...io.topics].map(([name, partitions]) => ({ name, partitions })), preload: input },
        { rate_per_second: plan.workload.rate_per_second, partition_records },
      ),
    ),
  );
  world.add_process(COLLECTOR_ID, hostEngineNode(createCollector({ max_records: Math.max(1_000_000, total_input_records * 64) })));
  const engine_sink_kind = engine_sink_kind_of(sink.kind);
  if (engine_sink_kind !== 'collect' && engine_sink_kind !== 'other') {
    world.add_process(TXSTORE_ID, hostEngineNode(create_transactional_store({ transaction_timeout_ms: plan.transaction_timeout_ms })));
  }
  const job_manager_ids = plan.job_manager_ha ? [JOB_MANAGER_ID, STANDBY_JOB_MANAGER_ID] : [JOB_MANAGER_ID];
  if (plan.job_manager_ha) world.add_process(HA_STORE_ID, hostEngineNode(create_ha_store_node));
  for (const id of job_manager_ids) {
    const high_availability = plan.job_manager_ha ? { ha_store: HA_STORE_ID, standby: id !== JOB_MANAGER_ID } : undefined;
    world.add_process(
      id,
      hostEngineNode(
        createJobManager(
          (seams.job_manager ?? ((config: JobManagerConfig) => config))({
            ...job_manager_config(plan, spec, jobs),
            ...(high_availability !== undefined ? { high_availability } : {}),
          }),
        ),
      ),
    );
  }
  const task_manager_ids = Array.from({ length: plan.task_managers }, (_, index) => `tm-${index + 1}`);
  for (const id of task_manager_ids) {
    world.add_process(
      id,
      hostEngineNode(
        createTaskManager({
          ...seams.task_manager,
          network: { buffer_timeout_ms: plan.flink.buffer_timeout_ms, ...seams.task_manager?.network },
          job_manager: JOB_MANAGER_ID,
          // A TaskManager watches the JobManager's heartbeats with the same heartbeat.timeout the JobManager uses for
          // it (Flink's JobMaster heartbeat is two-sided): one the JobManager declared lost re-registers that soon.
          job_manager_timeout_ms: seams.task_manager?.job_manager_timeout_ms ?? plan.flink.heartbeat.timeout_ms,
          ...(plan.job_manager_ha ? { job_manager_candidates: job_manager_ids } : {}),
          slots: plan.slots_per_task_manager,
          jobs,
        }),
      ),
    );
  }
  return { world, job, spec, input, total_input_records, task_manager_ids, engine_sink_kind };
}

/** Live views on the engine objects of an assembled run (undefined while a process is down). */
export class RunView {
  // The JobManagers' process objects are read on every event (the runner's stop condition): look them up once.
  private primary_job_manager: (() => SimProcess | undefined) | undefined;
  private standby_job_manager: (() => SimProcess | undefined) | undefined;
  /** The world's process count when the standby was last looked for (it can only appear when processes are added). */
  private processes_when_standby_missing = -1;

  constructor(readonly run: AssembledRun) {}

  /** The JobManager that leads the job (with HA: the leader among jm and jm-standby, the newest token first). */
  job_manager(): JobManager | undefined {
    const world = this.run.world;
    this.primary_job_manager ??= world.process_object_reader(JOB_MANAGER_ID);
    const primary = engineNodeOf<JobManager>(this.primary_job_manager());
    if (this.standby_job_manager === undefined) {
      if (world.process_count === this.processes_when_standby_missing) return primary;
      if (!world.has_process(STANDBY_JOB_MANAGER_ID)) {
        this.processes_when_standby_missing = world.process_count;
        return primary;
      }
      this.standby_job_manager = world.process_object_reader(STANDBY_JOB_MANAGER_ID);
    }
    const standby = engineNodeOf<JobManager>(this.standby_job_manager());
    const primary_leads = primary !== undefined && primary.is_leader;
    const standby_leads = standby !== undefined && standby.is_leader;
    if (primary_leads && standby_leads) return standby.leader_fencing_token > primary.leader_fencing_token ? standby : primary;
    return primary_leads ? primary : standby_leads ? standby : undefined;
  }

  job_status(): JobStatus | undefined {
    return this.job_manager()?.job_status;
  }

  task_managers(): TaskManager[] {
    return this.run.task_manager_ids.flatMap((id) => engineNodeOf<TaskManager>(this.run.world.process_object(id)) ?? []);
  }

  collector(): CollectorNode | undefined {
    return engineNodeOf<CollectorNode>(this.run.world.process_object(COLLECTOR_ID));
  }

  broker(): PacedBroker | undefined {
    return engineNodeOf<PacedBroker>(this.run.world.process_object(BROKER_ID));
  }

  txstore(): TransactionalStore | undefined {
    return this.run.world.has_process(TXSTORE_ID) ? engineNodeOf<TransactionalStore>(this.run.world.process_object(TXSTORE_ID)) : undefined;
  }

  /**
   * What the external system holds as the job's output: the collector's records (collect sink), the committed
   * records (two-phase-commit and at-least-once sinks), or the upsert table's values (idempotent sink). May be the
   * external system's live list: copy it to keep it.
   */
  collected_output(): readonly unknown[] {
    switch (this.run.engine_sink_kind) {
      case 'collect':
      case 'other':
        return this.collector()?.records(this.run.job.sink_uid) ?? [];
      case 'idempotent':
        return (this.txstore()?.read_committed().table ?? []).map(([, value]) => value);
      default:
        return this.txstore()?.committed_records_view() ?? [];
    }
  }

  /**
   * Keyed state of every subtask of the leader's current attempt, merged per operator uid, in canonical order. Tasks
   * a cut-off TaskManager still holds from an older attempt are not the job's state (they are fenced zombies).
   */
  keyed_state(): Map<string, StateEntry[]> {
    const merged = new Map<string, StateEntry[]>();
    for (const { operator, backend } of this.keyed_operators_of_current_attempt()) {
      const list = merged.get(operator.node.uid) ?? [];
      for (const entry of backend.export_entries()) list.push(entry); // no spread: a million keys overflow the stack
      merged.set(operator.node.uid, list);
    }
    for (const list of merged.values()) list.sort(compareEntries);
    return new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /**
   * How many key groups of each keyed operator keyed_state() could read from live tasks of the current attempt.
   * Fewer than max_parallelism: a TaskManager holding some of them is gone (e.g. it crashed after its tasks finished).
   */
  keyed_state_coverage(): Map<string, { key_groups: number; max_parallelism: number }> {
    const coverage = new Map<string, { key_groups: number; max_parallelism: number }>();
    for (const { task, operator } of this.keyed_operators_of_current_attempt()) {
      const entry = coverage.get(operator.node.uid) ?? { key_groups: 0, max_parallelism: operator.node.max_parallelism };
      entry.key_groups += task.key_group_range.end - task.key_group_range.start + 1;
      coverage.set(operator.node.uid, entry);
    }
    return coverage;
  }

  /**
   * Per `topic#partition`, the offset of the next record a live log-source reader of the current attempt will emit
   * (partitions whose reader is down are absent).
   */
  source_positions(): Map<string, number> {
    const positions = new Map<string, number>();
    const attempt = this.job_manager()?.current_attempt;
    for (const tm of this.task_managers()) {
      if (attempt !== undefined && tm.attempt !== attempt) continue;
      for (const task of tm.tasks) {
        const reader = task.source_reader;
        if (!(reader instanceof LogSourceReader)) continue;
        for (const position of reader.positions()) positions.set(`${position.topic}#${position.partition}`, position.next_offset);
      }
    }
    return positions;
  }

  /** Keyed operators of live tasks that belong to the JobManager's current attempt (TaskManagers in lane order). */
  private *keyed_operators_of_current_attempt(): Generator<{ task: Task; operator: StreamOperator; backend: KeyedStateBackend }> {
    const attempt = this.job_manager()?.current_attempt;
    for (const tm of this.task_managers()) {
      if (attempt !== undefined && tm.attempt !== attempt) continue;
      for (const task of tm.tasks) {
        for (const operator of task.operators) {
          if (operator.keyed_backend !== undefined) yield { task, operator, backend: operator.keyed_backend };
        }
      }
    }
  }
}
