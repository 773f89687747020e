// Specification of the split-model log source hosted by the cluster: the JobManager runs a LogSplitCoordinator per
// split source (routing `split.*` events and its broker replies, its state in each checkpoint's master state), the
// readers run in source tasks; a word count over it ends with the oracle's state and committed output, with and
// without a TaskManager crash (the restored enumerator and reader list state neither lose nor repeat a split), and
// across a JobManager failover (the readers register with the new leader's coordinator).
import { describe, expect, it } from 'vitest';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { JobFactory } from '../engine/api/environment.js';
import { SplitLogSource } from '../engine/connectors/split-source/index.js';
import { commonParams, sinkFor } from '../engine/examples/common.js';
import { exampleJob } from '../engine/examples/index.js';
import { splitWords, sumCounts, type WordCount } from '../engine/examples/word-count.js';
import { evaluateOracle } from '../properties/oracle.js';
import { BROKER_ID, Cluster, JOB_MANAGER_ID } from './cluster.js';

function buildSplitWordCount(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  const source = new SplitLogSource({ source_uid: 'source', broker: BROKER_ID, topic: params.topic, bounded: true, retry_ms: 20 });
  env
    .fromSource<string>(source as never, { uid: 'source', name: 'Lines' })
    .flatMap(splitWords)
    .uid('split')
    .keyBy((pair) => pair[0])
    .reduce(sumCounts)
    .uid('count')
    .sinkTo(sinkFor(params, (r) => (r as WordCount)[0]))
    .uid('sink');
}

const jobs = new Map<string, JobFactory>([['split_word_count', buildSplitWordCount as JobFactory]]);
const params = { records: 900, partitions: 4, seed: 8, vocabulary: 30, sink: 'two_phase_commit', sink_records_per_ms: 3 };

function splitCluster(seed: number, job_manager_ha = false) {
  const word_count = exampleJob('word_count');
  const input = word_count.generateInput(params);
  const c = new Cluster({
    seed,
    jobs,
    job: { name: 'split_word_count', params, parallelism: 2, max_parallelism: 128 },
    task_managers: 3,
    slots_per_task_manager: 1,
    topics: word_count.topics(params),
    input,
    checkpointing: { interval_ms: 40 },
    restart_strategy: { type: 'fixed-delay', attempts: 5, delay_ms: 50 },
    heartbeat_interval_ms: 20,
    heartbeat_timeout_ms: 100,
    transactional_store: {},
    job_manager_ha,
    task_manager: { network: { buffer_records: 16, input_buffers_per_channel: 2, output_queue_buffers: 2 } },
  });
  // The same computation over the plain log source is the oracle.
  return { c, oracle: evaluateOracle(word_count.build, params, input) };
}

const canonical = (records: readonly unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

describe('split source hosted by the JobManager', () => {
  it('assigns every split through the coordinator and ends with the oracle state and committed output', () => {
    const { c, oracle } = splitCluster(1);
    const master_state_names = new Set<string>();
    const log = c.world.log.bind(c.world);
    c.world.log = (event, fields, node) => {
      log(event, fields, node);
      if (event === 'checkpoint.completed' && typeof fields?.['metadata_path'] === 'string') {
        const checkpoint = c.jobManager()?.latestCompletedCheckpoint();
        for (const m of checkpoint?.metadata.master_states ?? []) master_state_names.add(m.name);
      }
    };
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect([...master_state_names]).toEqual(['split-enumerator/source']);
    expect(c.keyedState().get('count')).toEqual(oracle.state.get('count'));
    expect(canonical(c.transactionalStore()!.read_committed().records)).toEqual(canonical(oracle.outputs.get('sink')!));
  });

  it('a TaskManager crash: the restored enumerator and readers neither lose nor repeat input', () => {
    const { c, oracle } = splitCluster(2);
    c.world.schedule(300, () => {
      c.world.crash('tm-1');
      c.world.restart('tm-1', 30);
    });
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.jobManager()!.recoveries.length).toBeGreaterThanOrEqual(1);
    expect(c.jobManager()!.recoveries[0]!.restored_checkpoint_id).not.toBeNull();
    expect(c.keyedState().get('count')).toEqual(oracle.state.get('count'));
    expect(canonical(c.transactionalStore()!.read_committed().records)).toEqual(canonical(oracle.outputs.get('sink')!));
  });

  it('a JobManager failover: the readers register with the new leader, whose coordinator restores the enumerator', () => {
    const { c, oracle } = splitCluster(3, true);
    const leaders: string[] = [];
    const log = c.world.log.bind(c.world);
    c.world.log = (event, fields, node) => {
      log(event, fields, node);
      if (event === 'jm.leader' && node !== undefined) leaders.push(node);
    };
    c.world.schedule(300, () => {
      c.world.crash(JOB_MANAGER_ID);
      c.world.restart(JOB_MANAGER_ID, 2_000);
    });
    // Bounded: a reader that kept registering with the dead leader would keep the job from finishing.
    c.runToCompletion(60_000);
    expect(leaders).toEqual([JOB_MANAGER_ID, 'jm-standby']);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.keyedState().get('count')).toEqual(oracle.state.get('count'));
    expect(canonical(c.transactionalStore()!.read_committed().records)).toEqual(canonical(oracle.outputs.get('sink')!));
  });
});
