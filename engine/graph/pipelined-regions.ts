// Pipelined regions of an execution plan (Flink's SchedulingPipelinedRegionComputeUtil): subtasks joined by a
// pipelined data exchange fail and restart together. Every exchange of a streaming job is pipelined, so a region is a
// connected component of the subtask graph: a forward edge joins subtask i to subtask i, any other edge all to all.
import type { ExecutionPlan } from './execution-graph.js';
import { sourceSubtasks } from './execution-graph.js';

/** A task id as the scheduler names it: "<vertex index>/<subtask index>". */
function task_key(vertex: number, subtask: number): string {
  return `${vertex}/${subtask}`;
}

/**
 * The plan's pipelined regions, each a list of task ids ("<vertex>/<subtask>") in vertex-then-subtask order; regions
 * are ordered by their first task. One region means a region failover restarts every task, as a full one does.
 */
export function pipelinedRegions(plan: ExecutionPlan): string[][] {
  const offsets: number[] = [];
  let total = 0;
  for (const vertex of plan.vertices) {
    offsets.push(total);
    total += vertex.parallelism;
  }
  // Union-find over subtasks (index = offset of the vertex + subtask); bounded by the plan's task count.
  const parent = Array.from({ length: total }, (_, i) => i);
  const find = (i: number): number => {
    let root = i;
    while (parent[root] !== root) root = parent[root]!;
    while (parent[i] !== root) {
      const next = parent[i]!;
      parent[i] = root;
      i = next;
    }
    return root;
  };
  const union = (a: number, b: number): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent[Math.max(ra, rb)] = Math.min(ra, rb);
  };
  for (const edge of plan.edges) {
    const target_parallelism = plan.vertices[edge.target_vertex]!.parallelism;
    for (let target = 0; target < target_parallelism; target++) {
      for (const source of sourceSubtasks(plan, edge, target)) union(offsets[edge.source_vertex]! + source, offsets[edge.target_vertex]! + target);
    }
  }
  const regions = new Map<number, string[]>();
  plan.vertices.forEach((vertex, v) => {
    for (let s = 0; s < vertex.parallelism; s++) {
      const root = find(offsets[v]! + s);
      const region = regions.get(root) ?? [];
      region.push(task_key(v, s));
      regions.set(root, region);
    }
  });
  return [...regions.values()];
}
