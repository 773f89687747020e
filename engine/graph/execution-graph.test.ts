// Specification of the job graph → execution plan step: chaining rules, partitioning resolution, channels and
// slot-sharing placement.
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { unrun_sink as sink, unrun_source as source } from './graph.test-support.js';
import { buildExecutionPlan, placeSubtasks, sourceSubtasks, targetSubtasks } from './execution-graph.js';

describe('execution plan', () => {
  it('chains forward edges with equal parallelism; keyBy and parallelism changes start new vertices', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    env
      .fromSource(source)
      .map((x) => x)
      .filter(() => true)
      .keyBy((x) => String(x))
      .reduce((a) => a)
      .map((x) => x)
      .setParallelism(3)
      .sinkTo(sink)
      .setParallelism(3);
    const plan = buildExecutionPlan(env.graph);
    expect(plan.vertices.map((v) => [v.node_ids, v.parallelism])).toEqual([
      [[0, 1, 2], 2],
      [[3], 2],
      [[4, 5], 3],
    ]);
    expect(plan.edges.map((e) => e.partitioning)).toEqual(['hash', 'rebalance']);
    expect(plan.required_slots).toBe(3);
    expect(targetSubtasks(plan, plan.edges[1]!, 0)).toEqual([0, 1, 2]);
  });

  it('fan-out and union prevent chaining; union inputs become channels of one gate', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    const a = env.fromSource(source).uid('a');
    const b = env.fromSource(source).uid('b');
    a.union(b).map((x) => x).sinkTo(sink);
    a.sinkTo(sink);
    const plan = buildExecutionPlan(env.graph);
    const union_vertex = plan.vertices.find((v) => v.node_ids.includes(2))!;
    expect(union_vertex.input_edges.length).toBe(2);
    for (const e of union_vertex.input_edges) expect(plan.edges[e]!.partitioning).toBe('forward');
    expect(sourceSubtasks(plan, plan.edges[union_vertex.input_edges[0]!]!, 1)).toEqual([1]);
    expect(plan.vertices[0]!.output_edges.length).toBe(2);
  });

  it('rejects invalid graphs: explicit forward across parallelism change, duplicate uids, no sink', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 2 });
    env.fromSource(source).forward().map((x) => x).setParallelism(3).sinkTo(sink);
    expect(() => buildExecutionPlan(env.graph)).toThrow(/forward/);
    const env2 = new StreamExecutionEnvironment();
    env2.fromSource(source).uid('x').map((v) => v).uid('x').sinkTo(sink);
    expect(() => buildExecutionPlan(env2.graph)).toThrow(/duplicate/);
    const env3 = new StreamExecutionEnvironment();
    env3.fromSource(source).map((v) => v);
    expect(() => buildExecutionPlan(env3.graph)).toThrow(/no sink/);
  });

  it('places subtask i of every vertex in slot i, slots spread round-robin over TaskManagers', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 4 });
    env.fromSource(source).keyBy((x) => String(x)).reduce((a) => a).sinkTo(sink);
    const plan = buildExecutionPlan(env.graph);
    const placement = placeSubtasks(plan, new Map([['tm-2', 2], ['tm-1', 2]]))!;
    expect(placement[0]).toEqual(['tm-1', 'tm-2', 'tm-1', 'tm-2']);
    expect(placement[1]).toEqual(placement[0]);
    expect(placeSubtasks(plan, new Map([['tm-1', 3]]))).toBeUndefined();
  });
});
