// Specification of the interleaving-dependent checks on Flink's ControlFunction (control words block data words):
// a run under crashes lies between the two extreme interleavings, both in output (by record identity) and in state;
// a lost, duplicated or invented record and a state entry no interleaving gives are each caught.
import { describe, expect, it } from 'vitest';
import { buildControlFilter, controlFilterInput, controlFilterTopics, type WordRecord } from '../engine/examples/control-filter.js';
import type { StateEntry } from '../engine/state/backend.js';
import { Cluster } from '../scenarios/cluster.js';
import { checkInterleavedOutput, checkInterleavedState, evaluateBothInterleavings } from './interleaving.js';

const params = { records: 800, keys: 18, partitions: 3, seed: 4, sink: 'two_phase_commit', sink_records_per_ms: 1 };
const identity = (record: unknown): string => (record as WordRecord).id;

function run(seed: number) {
  const input = controlFilterInput(params);
  const c = new Cluster({
    seed,
    jobs: new Map([['control_filter', buildControlFilter]]),
    job: { name: 'control_filter', params, parallelism: 2, max_parallelism: 128 },
    task_managers: 2,
    slots_per_task_manager: 3,
    topics: controlFilterTopics(params),
    input,
    checkpointing: { interval_ms: 30 },
    restart_strategy: { type: 'fixed-delay', attempts: 10, delay_ms: 50 },
    heartbeat_interval_ms: 20,
    heartbeat_timeout_ms: 100,
    transactional_store: {},
    task_manager: { network: { buffer_records: 8, input_buffers_per_channel: 2, output_queue_buffers: 2, buffer_timeout_ms: 0 } },
  });
  c.world.schedule(200, () => c.world.crash('tm-1'));
  c.world.schedule(280, () => c.world.restart('tm-1'));
  c.runToCompletion(5_000_000);
  return { c, oracle: evaluateBothInterleavings(buildControlFilter, params, input, { max_parallelism: 128 }) };
}

describe('interleaving-dependent checks (ControlFunction)', () => {
  it('a run under crashes lies between the two extreme interleavings in output and state', () => {
    for (const seed of [1, 2]) {
      const { c, oracle } = run(seed);
      expect(c.jobStatus()).toBe('FINISHED');
      const actual = c.transactionalStore()!.read_committed().records;
      const verdict = checkInterleavedOutput(oracle.input1_first.outputs.get('sink')!, oracle.input2_first.outputs.get('sink')!, actual, identity);
      expect(verdict, `seed ${seed}`).toMatchObject({ duplicated: [], unexpected: [], lost: [] });
      // The blocked words' data before their block: some of it passes in one interleaving only.
      expect(verdict.interleaving_dependent).toBeGreaterThan(50);
      expect(checkInterleavedState(oracle.input1_first.state, oracle.input2_first.state, c.keyedState())).toEqual([]);
    }
  });

  it('catches a lost, a duplicated and an invented record, and a state entry neither interleaving gives', () => {
    const { c, oracle } = run(3);
    const first = oracle.input1_first.outputs.get('sink')!;
    const second = oracle.input2_first.outputs.get('sink')!;
    const actual = c.transactionalStore()!.read_committed().records as WordRecord[];
    const both = first.filter((r) => second.some((s) => identity(s) === identity(r)));
    const dropped = actual.filter((r) => r.id !== identity(both[0]));
    expect(checkInterleavedOutput(first, second, dropped, identity).lost).toEqual([identity(both[0])]);
    expect(checkInterleavedOutput(first, second, [...actual, actual[0]!], identity).duplicated).toEqual([actual[0]!.id]);
    expect(checkInterleavedOutput(first, second, [...actual, { id: 'd-none', word: 'w0' }], identity).unexpected).toEqual(['d-none']);
    const state = c.keyedState();
    const entries = state.get('control-filter')!;
    const unblocked: StateEntry = { ...entries[0]!, key: 'never-blocked', value: true };
    const differences = checkInterleavedState(oracle.input1_first.state, oracle.input2_first.state, new Map([['control-filter', [...entries, unblocked]]]));
    expect(differences.map((d) => d.key)).toEqual(['never-blocked']);
  });
});
