// Specification of pipelined regions (Flink's SchedulingPipelinedRegionComputeUtil on a streaming job, where every
// exchange is pipelined): a forward edge joins subtask i to subtask i, any other edge joins all subtasks of both ends.
import { describe, expect, it } from 'vitest';
import { StreamExecutionEnvironment } from '../api/environment.js';
import { unrun_sink as sink, unrun_source as source } from './graph.test-support.js';
import { buildExecutionPlan } from './execution-graph.js';
import { pipelinedRegions } from './pipelined-regions.js';

describe('pipelined regions', () => {
  it('a keyBy joins every subtask into one region', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 3 });
    env.fromSource(source).keyBy((x) => String(x)).reduce((a) => a).sinkTo(sink);
    expect(pipelinedRegions(buildExecutionPlan(env.graph))).toEqual([['0/0', '0/1', '0/2', '1/0', '1/1', '1/2']]);
  });

  it('forward edges keep subtask i of each vertex apart from the others: one region per subtask index', () => {
    const env = new StreamExecutionEnvironment({ parallelism: 3 });
    // The sink's own max parallelism keeps it out of the chain (still a forward edge).
    env.fromSource(source).map((x) => x).setMaxParallelism(64).forward().sinkTo(sink).setMaxParallelism(32);
    const plan = buildExecutionPlan(env.graph);
    expect(plan.vertices.length).toBeGreaterThan(1);
    expect(plan.edges.every((edge) => edge.partitioning === 'forward')).toBe(true);
    const regions = pipelinedRegions(plan);
    expect(regions).toHaveLength(3);
    regions.forEach((region, i) => expect(region).toEqual(plan.vertices.map((v) => `${v.index}/${i}`)));
  });

  it('a parallelism change (rebalance) or a broadcast joins everything; independent pipelines stay apart', () => {
    const rescaled = new StreamExecutionEnvironment({ parallelism: 2 });
    rescaled.fromSource(source).map((x) => x).setParallelism(3).sinkTo(sink).setParallelism(3);
    expect(pipelinedRegions(buildExecutionPlan(rescaled.graph))).toHaveLength(1);

    const two = new StreamExecutionEnvironment({ parallelism: 2 });
    two.fromSource(source).keyBy((x) => String(x)).reduce((a) => a).sinkTo(sink);
    two.fromSource(source).keyBy((x) => String(x)).reduce((a) => a).sinkTo(sink);
    const regions = pipelinedRegions(buildExecutionPlan(two.graph));
    expect(regions).toHaveLength(2);
    expect(regions.flat().sort()).toEqual(buildExecutionPlan(two.graph).vertices.flatMap((v) => [`${v.index}/0`, `${v.index}/1`]).sort());
  });
});
