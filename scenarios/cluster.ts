// Builds a World hosting one engine cluster: a JobManager ("jm"), N TaskManagers ("tm-1".."tm-N") with slots, a
// log broker ("broker") preloaded with the workload, and a collector ("collector") for collecting sinks; submits
// one job and runs it. With `job_manager_ha`, also a standby JobManager ("jm-standby") and the HA store ("ha").
// Tests, benchmarks and the scenario runner start here.
import { createJobManager, type JobManager, type JobManagerConfig, type JobStatus } from '../engine/cluster/job-manager.js';
import { createTaskManager, type TaskManager, type TaskManagerConfig } from '../engine/cluster/task-manager.js';
import type { JobCatalogue } from '../engine/cluster/build-job.js';
import type { JobSpec } from '../engine/cluster/messages.js';
import { createCollector, type CollectorNode } from '../engine/connectors/collect-sink.js';
import { createLogBroker, type LogBroker, type LogRecord, type TopicConfig } from '../engine/connectors/log-broker.js';
import type { StateEntry } from '../engine/state/backend.js';
import { compareEntries } from '../engine/state/memory-backend.js';
import { create_transactional_store, TransactionalStore, type TransactionalStoreConfig } from '../engine/connectors/transactional-store.js';
import { EXAMPLE_JOB_FACTORIES } from '../engine/examples/index.js';
import { create_ha_store_node } from '../engine/ha/index.js';
import { World, type RunOutcome, type WorldOptions } from '../sim/index.js';
import { engineNodeOf, hostEngineNode } from './host.js';
import { createPacedBroker } from './run/paced-broker.js';

export interface ClusterOptions {
  seed: number;
  job: JobSpec;
  jobs?: JobCatalogue;
  task_managers: number;
  slots_per_task_manager: number;
  topics: TopicConfig[];
  /** Broker preload: topic → partition → records. */
  input: ReadonlyMap<string, readonly (readonly LogRecord[])[]>;
  /** When set, the preloaded records become readable at this rate (the scenario runner's paced producer). */
  rate_per_second?: number;
  task_manager?: Partial<Omit<TaskManagerConfig, 'job_manager' | 'slots' | 'jobs'>>;
  heartbeat_interval_ms?: number;
  heartbeat_timeout_ms?: number;
  /** heartbeat.rpc-failure-threshold (default Flink's 2; -1: off). */
  heartbeat_rpc_failure_threshold?: number;
  /** Aligned checkpoints (coordinator settings); absent = off. */
  checkpointing?: JobManagerConfig['checkpointing'];
  restart_strategy?: JobManagerConfig['restart_strategy'];
  world?: Partial<WorldOptions>;
  max_collected_records?: number;
  /** Adds the transactional store node ("txstore") that external-store sinks write to. */
  transactional_store?: Partial<TransactionalStoreConfig>;
  /** JobManager high availability: the HA store process and a standby JobManager. */
  job_manager_ha?: boolean;
}

export const JOB_MANAGER_ID = 'jm';
export const BROKER_ID = 'broker';
export const COLLECTOR_ID = 'collector';
export const TXSTORE_ID = 'txstore';
export const STANDBY_JOB_MANAGER_ID = 'jm-standby';
export const HA_STORE_ID = 'ha';

export function taskManagerId(index: number): string {
  return `tm-${index + 1}`;
}

export class Cluster {
  readonly world: World;
  readonly task_manager_ids: string[];
  readonly job_manager_ids: string[];

  constructor(readonly options: ClusterOptions) {
    this.world = new World({ ...options.world, seed: options.seed });
    const jobs = options.jobs ?? EXAMPLE_JOB_FACTORIES;
    this.task_manager_ids = Array.from({ length: options.task_managers }, (_, i) => taskManagerId(i));
    const broker_config = { topics: options.topics, preload: options.input };
    const rate_per_second = options.rate_per_second;
    if (rate_per_second === undefined) this.world.add_process(BROKER_ID, hostEngineNode(createLogBroker(broker_config)));
    else {
      const partition_records = new Map([...options.input].map(([topic, partitions]) => [topic, partitions.map((p) => p.length)]));
      this.world.add_process(BROKER_ID, hostEngineNode(createPacedBroker(broker_config, { rate_per_second, partition_records })));
    }
    this.world.add_process(COLLECTOR_ID, hostEngineNode(createCollector({ max_records: options.max_collected_records })));
    if (options.transactional_store !== undefined) {
      this.world.add_process(TXSTORE_ID, hostEngineNode(create_transactional_store(options.transactional_store)));
    }
    const ha = options.job_manager_ha === true;
    this.job_manager_ids = ha ? [JOB_MANAGER_ID, STANDBY_JOB_MANAGER_ID] : [JOB_MANAGER_ID];
    if (ha) this.world.add_process(HA_STORE_ID, hostEngineNode(create_ha_store_node));
    for (const id of this.job_manager_ids) {
      const config: JobManagerConfig = {
        job: options.job,
        jobs,
        expected_task_managers: options.task_managers,
        heartbeat_interval_ms: options.heartbeat_interval_ms ?? 1_000,
        heartbeat_timeout_ms: options.heartbeat_timeout_ms ?? 5_000,
        ...(options.heartbeat_rpc_failure_threshold === undefined ? {} : { heartbeat_rpc_failure_threshold: options.heartbeat_rpc_failure_threshold }),
        checkpointing: options.checkpointing,
        restart_strategy: options.restart_strategy,
      };
      if (ha) config.high_availability = { ha_store: HA_STORE_ID, standby: id !== JOB_MANAGER_ID };
      this.world.add_process(id, hostEngineNode(createJobManager(config)));
    }
    for (const id of this.task_manager_ids) {
      this.world.add_process(
        id,
        hostEngineNode(
          createTaskManager({
            job_manager_timeout_ms: options.heartbeat_timeout_ms ?? 5_000,
            ...options.task_manager,
            job_manager: JOB_MANAGER_ID,
            ...(ha ? { job_manager_candidates: this.job_manager_ids } : {}),
            slots: options.slots_per_task_manager,
            jobs,
          }),
        ),
      );
    }
  }

  /** The JobManager leading the job (with HA the leader with the newest fencing token; undefined while none leads). */
  jobManager(): JobManager | undefined {
    if (this.job_manager_ids.length === 1) return engineNodeOf<JobManager>(this.world.process_object(JOB_MANAGER_ID));
    const leaders = this.job_manager_ids
      .flatMap((id) => engineNodeOf<JobManager>(this.world.process_object(id)) ?? [])
      .filter((jm) => jm.is_leader)
      .sort((a, b) => b.leader_fencing_token - a.leader_fencing_token);
    return leaders[0];
  }

  taskManagers(): TaskManager[] {
    return this.task_manager_ids.flatMap((id) => engineNodeOf<TaskManager>(this.world.process_object(id)) ?? []);
  }

  collector(): CollectorNode {
    const node = engineNodeOf<CollectorNode>(this.world.process_object(COLLECTOR_ID));
    if (node === undefined) throw new Error('collector is down');
    return node;
  }

  transactionalStore(): TransactionalStore | undefined {
    return engineNodeOf<TransactionalStore>(this.world.process_object(TXSTORE_ID));
  }

  broker(): LogBroker | undefined {
    return engineNodeOf<LogBroker>(this.world.process_object(BROKER_ID));
  }

  /** Keyed state of every subtask of the current attempt, merged per operator uid, in canonical order. */
  keyedState(): Map<string, StateEntry[]> {
    const merged = new Map<string, StateEntry[]>();
    const attempt = this.jobManager()?.current_attempt;
    for (const tm of this.taskManagers()) {
      if (tm.attempt !== attempt) continue; // a TaskManager cut off from the JobManager may hold a stale attempt
      for (const task of tm.tasks) {
        for (const operator of task.operators) {
          if (operator.keyed_backend === undefined) continue;
          const list = merged.get(operator.node.uid) ?? [];
          for (const entry of operator.keyed_backend.export_entries()) list.push(entry); // no spread: a million keys overflow the stack
          merged.set(operator.node.uid, list);
        }
      }
    }
    for (const list of merged.values()) list.sort(compareEntries);
    return new Map([...merged].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  jobStatus(): JobStatus | undefined {
    return this.jobManager()?.job_status;
  }

  /** Runs until the job reaches a terminal status and the world drains (or until `until_ms` of virtual time). */
  runToCompletion(until_ms = 10_000_000): RunOutcome {
    const terminal = (): boolean => {
      const status = this.jobStatus();
      return status === 'FINISHED' || status === 'FAILED' || status === 'CANCELED';
    };
    const first = this.world.run({ until: terminal, until_ms });
    if (!terminal()) return first;
    // Let in-flight output reach the collector; heartbeats stop once the job is terminal, so the world idles.
    return this.world.run({ max_events: 50_000_000 });
  }
}
