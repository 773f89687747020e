// Rebuilds a job from its spec (catalogue name + params): the same graph and plan on every process.
import { StreamExecutionEnvironment, type JobFactory } from '../api/environment.js';
import { buildExecutionPlan, type ExecutionPlan } from '../graph/execution-graph.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { JobSpec } from './messages.js';

export type JobCatalogue = ReadonlyMap<string, JobFactory>;

export interface BuiltJob {
  graph: JobGraph;
  plan: ExecutionPlan;
}

export function buildJob(catalogue: JobCatalogue, spec: JobSpec): BuiltJob {
  const factory = catalogue.get(spec.name);
  if (factory === undefined) throw new Error(`unknown job ${JSON.stringify(spec.name)}`);
  const env = new StreamExecutionEnvironment({ parallelism: spec.parallelism, max_parallelism: spec.max_parallelism });
  factory(env, spec.params);
  return { graph: env.graph, plan: buildExecutionPlan(env.graph) };
}
