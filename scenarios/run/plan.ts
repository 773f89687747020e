// A scenario normalized for one run: every duration in ms, every default filled (docs/scenario-format.md), the job
// under test with its checked parameters, the properties to check and the phase bounds.
import type { LatencyModel } from '../../sim/index.js';
import type { CheckpointingMode, PropertyName, SinkKind } from '../result-format.js';
import { parse_flink_config, parse_flink_duration, type FlinkConfig } from '../flink-config.js';
import { scenario_process_ids } from '../load.js';
import type { Scenario } from '../schema/scenario.generated.js';
import { built_in_job, type JobUnderTest } from '../job-under-test.js';

export interface WorkloadPlan {
  records: number;
  keys: number;
  key_distribution: 'uniform' | 'zipf';
  zipf_exponent: number;
  rate_per_second: number;
  source_partitions: number;
  bounded: boolean;
  /** Unbounded input only: how long the source produces. */
  duration_ms: number | undefined;
  /** The source's request.timeout.ms when the scenario sets it (else the engine's default, Kafka's 30 s). */
  source_request_timeout_ms: number | undefined;
}

export interface PhasePlan {
  mode: 'safety_then_liveness' | 'unrestricted';
  /** Faults run in [0, fault_horizon_ms). */
  fault_horizon_ms: number;
  safety_duration_ms: number;
  liveness_bound_ms: number;
  /** Unrestricted mode: total length of the run. */
  duration_ms: number;
}

export interface RunPlan {
  scenario: Scenario;
  flink: FlinkConfig;
  /** The job's name in results and the engine (a built-in's name, or `<module>#<export>`). */
  job_name: string;
  /** The job under test: its definition and checked parameters. */
  job: JobUnderTest;
  parallelism: number;
  max_parallelism: number | undefined;
  task_managers: number;
  slots_per_task_manager: number;
  job_manager_ha: boolean;
  sink_kind: SinkKind;
  transaction_timeout_ms: number;
  /** Two-phase-commit sink: Flink's ignoreFailuresAfterTransactionTimeout. */
  sink_ignore_failures_after_transaction_timeout: boolean;
  workload: WorkloadPlan;
  network_latency: LatencyModel | undefined;
  /** Equal-time events run in a seeded random order (simulation.shuffle_ties). */
  shuffle_ties: boolean;
  checkpoint_store_latency: LatencyModel | undefined;
  disk_latency: LatencyModel | undefined;
  phases: PhasePlan;
  /** Properties the scenario asks for (or every property its sink kind and mode promise). */
  properties: PropertyName[];
  checkpointing_mode: CheckpointingMode;
  process_ids: string[];
}

export class ScenarioPlanError extends Error {
  override readonly name = 'ScenarioPlanError';
}

/** Parses a duration field that the loader already validated; a bad value here is a programming error. */
export function duration_field_ms(value: string | number | undefined, default_ms: number, field: string): number {
  if (value === undefined) return default_ms;
  const parsed = parse_flink_duration(value);
  if (!parsed.ok) throw new ScenarioPlanError(`${field}: ${parsed.message}`);
  return parsed.value;
}

type LatencyField = { model: string; value?: string | number; min?: string | number; max?: string | number; spike_probability?: number; spike?: string | number };

/** Maps a scenario latency model to the world's model. */
export function latency_model(field: LatencyField | undefined, name: string): LatencyModel | undefined {
  if (field === undefined) return undefined;
  switch (field.model) {
    case 'fixed':
      return { kind: 'fixed', delay_ms: duration_field_ms(field.value, 1, `${name}.value`) };
    case 'uniform':
      return {
        kind: 'uniform',
        min_ms: duration_field_ms(field.min, 0, `${name}.min`),
        max_ms: duration_field_ms(field.max, 1, `${name}.max`),
      };
    case 'spikes': {
      const value_ms = duration_field_ms(field.value, 1, `${name}.value`);
      const spike_ms = duration_field_ms(field.spike, value_ms, `${name}.spike`);
      return {
        kind: 'long_tail',
        min_ms: value_ms,
        max_ms: value_ms,
        spike_ratio: field.spike_probability ?? 0,
        spike_min_ms: spike_ms,
        spike_max_ms: spike_ms,
      };
    }
    default:
      throw new ScenarioPlanError(`${name}.model: unknown latency model ${JSON.stringify(field.model)}`);
  }
}

/** The properties a sink kind and checkpointing mode promise, when the scenario lists none. */
export function promised_properties(sink_kind: SinkKind, mode: CheckpointingMode): PropertyName[] {
  const properties: PropertyName[] = [];
  if (mode === 'aligned' || mode === 'unaligned') properties.push('exactly_once_state');
  if ((sink_kind === 'two_phase_commit' || sink_kind === 'idempotent') && (mode === 'aligned' || mode === 'unaligned')) {
    properties.push('exactly_once_output');
  } else {
    properties.push('at_least_once_output');
  }
  if (mode !== 'none') properties.push('checkpoint_invariants');
  properties.push('liveness');
  return properties;
}

function checkpointing_mode_of(flink: FlinkConfig): CheckpointingMode {
  if (!flink.checkpointing.enabled) return 'none';
  if (flink.checkpointing.mode === 'AT_LEAST_ONCE') return 'at_least_once';
  return flink.checkpointing.unaligned_enabled ? 'unaligned' : 'aligned';
}

/**
 * The job a scenario names: `job` when given (a module job the caller loaded, scenarios/job-module.ts), else the
 * built-in job the scenario names.
 */
function job_of(scenario: Scenario, job: JobUnderTest | undefined): JobUnderTest {
  if (job !== undefined) return job;
  if (scenario.job.module !== undefined) {
    throw new ScenarioPlanError(`job.module ${JSON.stringify(scenario.job.module)}: a job from a module must be loaded before the run (load_job in scenarios/job-module.ts)`);
  }
  const built_in = built_in_job(scenario);
  if (!built_in.ok) throw new ScenarioPlanError(built_in.issues.map((issue) => `${issue.segments.join('.')}: ${issue.message}`).join('; '));
  return built_in.job;
}

export function plan_run(scenario: Scenario, loaded_job?: JobUnderTest): RunPlan {
  const job = job_of(scenario, loaded_job);
  const parsed = parse_flink_config(scenario.flink as Record<string, unknown> | undefined);
  if (!parsed.ok) {
    throw new ScenarioPlanError(parsed.errors.map((error) => `flink.${error.key}: ${error.message}`).join('; '));
  }
  const flink = parsed.config;
  const raw_workload = scenario.workload ?? {};
  const workload: WorkloadPlan = {
    records: raw_workload.records ?? 5000,
    keys: raw_workload.keys ?? 100,
    key_distribution: raw_workload.key_distribution ?? 'uniform',
    zipf_exponent: raw_workload.zipf_exponent ?? 1,
    rate_per_second: raw_workload.rate_per_second ?? 1000,
    source_partitions: raw_workload.source_partitions ?? 2,
    bounded: raw_workload.bounded ?? true,
    duration_ms: raw_workload.duration === undefined ? undefined : duration_field_ms(raw_workload.duration, 0, 'workload.duration'),
    source_request_timeout_ms:
      raw_workload.source_request_timeout === undefined
        ? undefined
        : duration_field_ms(raw_workload.source_request_timeout, 0, 'workload.source_request_timeout'),
  };
  const mode = scenario.phases?.mode ?? 'safety_then_liveness';
  const safety_duration_ms = duration_field_ms(scenario.phases?.safety_duration, 30_000, 'phases.safety_duration');
  const duration_ms = duration_field_ms(scenario.phases?.duration, 60_000, 'phases.duration');
  const phases: PhasePlan = {
    mode,
    safety_duration_ms,
    liveness_bound_ms: duration_field_ms(scenario.phases?.liveness_bound, 60_000, 'phases.liveness_bound'),
    duration_ms,
    fault_horizon_ms: mode === 'unrestricted' ? duration_ms : safety_duration_ms,
  };
  const sink_kind: SinkKind = scenario.sink?.kind ?? 'two_phase_commit';
  const checkpointing_mode = checkpointing_mode_of(flink);
  const parallelism = scenario.job.parallelism ?? 2;
  const task_managers = scenario.cluster?.task_managers ?? 2;
  const slots_per_task_manager = scenario.cluster?.slots_per_task_manager ?? 2;
  if (task_managers * slots_per_task_manager < parallelism) {
    throw new ScenarioPlanError(
      `cluster: ${task_managers} TaskManagers × ${slots_per_task_manager} slots cannot run parallelism ${parallelism}`,
    );
  }
  return {
    scenario,
    flink,
    job_name: job.name,
    job,
    parallelism,
    max_parallelism: scenario.job.max_parallelism,
    task_managers,
    slots_per_task_manager,
    job_manager_ha: scenario.cluster?.job_manager_ha ?? false,
    sink_kind,
    transaction_timeout_ms: duration_field_ms(scenario.sink?.transaction_timeout, 15 * 60_000, 'sink.transaction_timeout'),
    sink_ignore_failures_after_transaction_timeout: scenario.sink?.ignore_failures_after_transaction_timeout === true,
    workload,
    network_latency: latency_model(scenario.network?.latency, 'network.latency'),
    shuffle_ties: scenario.simulation?.shuffle_ties === true,
    checkpoint_store_latency: latency_model(scenario.storage?.checkpoint_store_latency, 'storage.checkpoint_store_latency'),
    disk_latency: latency_model(scenario.storage?.disk_latency, 'storage.disk_latency'),
    phases,
    properties: scenario.properties !== undefined ? [...scenario.properties] : promised_properties(sink_kind, checkpointing_mode),
    checkpointing_mode,
    process_ids: scenario_process_ids(scenario),
  };
}
