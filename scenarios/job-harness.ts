// Runs one job factory in a simulated cluster and returns what its collecting sinks received, for tests that pin the
// DataStream API's semantics in the world (the same job then also goes through the oracle).
import type { JobFactory } from '../engine/api/environment.js';
import type { LogRecord } from '../engine/connectors/log-broker.js';
import type { JobManagerConfig } from '../engine/cluster/job-manager.js';
import type { TaskSeams } from '../engine/task/task.js';
import { Cluster } from './cluster.js';

export interface JobRunOptions {
  parallelism: number;
  seed?: number;
  task_managers?: number;
  slots_per_task_manager?: number;
  checkpointing?: JobManagerConfig['checkpointing'];
  task_seams?: TaskSeams;
  /** Called before the run (e.g. to schedule crashes with c.world.schedule). */
  prepare?: (cluster: Cluster) => void;
}

/** The job's input topic is "input" with as many partitions as `input` has. */
export function runJobInWorld(build: JobFactory, params: Record<string, unknown>, input: readonly (readonly LogRecord[])[], options: JobRunOptions): Cluster {
  return runTopicsInWorld(build, { partitions: input.length, ...params }, new Map([['input', input]]), options);
}

/** A job reading several topics (e.g. the two inputs of a join): topic → partitions → records. */
export function runTopicsInWorld(
  build: JobFactory,
  params: Record<string, unknown>,
  input: ReadonlyMap<string, readonly (readonly LogRecord[])[]>,
  options: JobRunOptions,
): Cluster {
  const cluster = new Cluster({
    seed: options.seed ?? 1,
    job: { name: 'job', params, parallelism: options.parallelism },
    jobs: new Map([['job', build]]),
    task_managers: options.task_managers ?? 2,
    slots_per_task_manager: options.slots_per_task_manager ?? 2,
    topics: [...input].map(([name, partitions]) => ({ name, partitions: partitions.length })),
    input,
    checkpointing: options.checkpointing,
    heartbeat_interval_ms: 50,
    heartbeat_timeout_ms: 200,
    restart_strategy: { type: 'fixed-delay', attempts: 10, delay_ms: 50 },
    task_manager: { network: { buffer_records: 16, input_buffers_per_channel: 2, output_queue_buffers: 2 }, ...(options.task_seams !== undefined ? { task_seams: options.task_seams } : {}) },
  });
  options.prepare?.(cluster);
  cluster.runToCompletion(5_000_000);
  return cluster;
}

/** Lays values out round-robin over `partitions` partitions; a value's timestamp comes from `timestamp_of`. */
export function partitionedInput<T>(values: readonly T[], partitions: number, timestamp_of: (value: T, index: number) => number): LogRecord[][] {
  const out: LogRecord[][] = Array.from({ length: partitions }, () => []);
  values.forEach((value, index) => out[index % partitions]!.push({ value, timestamp_ms: timestamp_of(value, index) }));
  return out;
}
