// Rebuilds a job from its spec (catalogue name + params): the same graph and plan on every process.
import { StreamExecutionEnvironment, type JobFactory } from '../api/environment.js';
import { buildExecutionPlan, type ExecutionPlan } from '../graph/execution-graph.js';
import type { JobGraph } from '../graph/job-graph.js';
import type { JobSpec } from './messages.js';
import { checkParallelism } from '../state/key-groups.js';

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
  for (const [uid, max_parallelism] of Object.entries(spec.max_parallelism_by_uid ?? {})) {
    const node = env.graph.nodes.find((n) => n.uid === uid);
    if (node === undefined) continue; // state of an operator the job no longer has (allow_non_restored_state)
    if (node.max_parallelism_configured && node.max_parallelism !== max_parallelism) {
      throw new Error(`${node.name}: configured max parallelism ${node.max_parallelism} cannot adopt ${max_parallelism}`);
    }
    checkParallelism(max_parallelism, node.parallelism);
    node.max_parallelism = max_parallelism;
  }
  return { graph: env.graph, plan: buildExecutionPlan(env.graph) };
}
