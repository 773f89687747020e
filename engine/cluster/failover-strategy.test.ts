// Specification of the failover strategy (Flink's RestartAllFailoverStrategy, failover-strategy: full): whatever
// failed, every task of the job restarts, named "<vertex index>/<subtask index>" as the coordinator and TaskManagers
// name them.
import { describe, expect, it } from 'vitest';
import { RestartAllFailoverStrategy, all_task_ids, task_id } from './failover-strategy.js';
import type { ExecutionPlan } from '../graph/execution-graph.js';

const plan = { vertices: [{ index: 0, parallelism: 2 }, { index: 1, parallelism: 1 }, { index: 2, parallelism: 3 }], edges: [], required_slots: 3 } as unknown as ExecutionPlan;

describe('failover strategy: full', () => {
  it('names a task by vertex and subtask index', () => {
    expect(task_id(2, 0)).toBe('2/0');
  });
  it('restarts every task of every vertex, by vertex then subtask, whichever task failed (or none)', () => {
    const strategy = new RestartAllFailoverStrategy();
    const all = ['0/0', '0/1', '1/0', '2/0', '2/1', '2/2'];
    expect(all_task_ids(plan)).toEqual(all);
    expect(strategy.tasks_to_restart(plan, '2/1')).toEqual(all);
    expect(strategy.tasks_to_restart(plan, undefined)).toEqual(all);
    expect(strategy.name).toBe('full');
  });
});
