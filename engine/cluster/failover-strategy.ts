// Which tasks a failure restarts (Flink's FailoverStrategy). Full: every task of the job (RestartAllFailoverStrategy,
// Flink's `jobmanager.execution.failover-strategy: full`).
import type { ExecutionPlan } from '../graph/execution-graph.js';

/** A task id as the checkpoint coordinator and TaskManagers name it: "<vertex index>/<subtask index>". */
export function task_id(vertex_index: number, subtask_index: number): string {
  return `${vertex_index}/${subtask_index}`;
}

/** Every task of the plan, by vertex then subtask. */
export function all_task_ids(plan: ExecutionPlan): string[] {
  return plan.vertices.flatMap((v) => Array.from({ length: v.parallelism }, (_, s) => task_id(v.index, s)));
}

export interface FailoverStrategy {
  readonly name: string;
  /** The tasks to restart when `failed_task` (undefined: a failure not tied to one task) failed. */
  tasks_to_restart(plan: ExecutionPlan, failed_task: string | undefined): string[];
}

export class RestartAllFailoverStrategy implements FailoverStrategy {
  readonly name = 'full';
  tasks_to_restart(plan: ExecutionPlan, _failed_task: string | undefined): string[] {
    return all_task_ids(plan);
  }
}
