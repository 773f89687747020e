// Specification of the interleaving-dependent checks on Flink's ControlFunction (control words block data words):
// a run under crashes lies between the two extreme interleavings, both in output (by record identity) and in state;
// a lost, duplicated or invented record and a state entry no interleaving gives are each caught; the judge applies
// these checks to a scenario's job whose two extreme interleavings differ, and says so.
import { describe, expect, it } from 'vitest';
import { buildControlFilter, controlFilterInput, controlFilterTopics, type WordRecord } from '../engine/examples/control-filter.js';
import type { StateEntry } from '../engine/state/backend.js';
import { Cluster } from '../scenarios/cluster.js';
import { checkInterleavedOutput, checkInterleavedState, evaluateBothInterleavings, INTERLEAVING_CHECKS, judge_interleaved_output, UNBRACKETED_INTERLEAVING_CHECKS, unbracketed_interleaving } from './interleaving.js';
import { defineJob } from '../engine/api/job.js';
import { MapStateDescriptor } from '../engine/api/state-descriptors.js';
import { job_factory } from '../engine/connectors/job-io.js';
import type { Scenario } from '../scenarios/schema/scenario.generated.js';
import { run_scenario, run_scenario_with } from './run.js';
import { forgetful_restore_seams } from './planted-bugs/forgetful-restore.js';
import { commit_on_precommit_seams } from './planted-bugs/commit-on-precommit.js';

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

describe('the judge on a job whose result depends on how its inputs interleave', () => {
  const scenario = (seed: number, unaligned: boolean): Scenario => ({
    name: 'control-words',
    description: 'control words block data words (keyed CoFlatMap); tm-1 crashes',
    cluster: { task_managers: 2, slots_per_task_manager: 3 },
    job: { name: 'control_filter', parallelism: 2 },
    flink: {
      'execution.checkpointing.interval': '100 ms',
      ...(unaligned ? { 'execution.checkpointing.unaligned.enabled': true } : {}),
      'restart-strategy.type': 'fixed-delay',
      'restart-strategy.fixed-delay.attempts': 10,
      'restart-strategy.fixed-delay.delay': '100 ms',
      'heartbeat.interval': '100 ms',
      'heartbeat.timeout': '500 ms',
    },
    sink: { kind: 'two_phase_commit', transaction_timeout: '10 min' },
    workload: { records: 1500, keys: 20, rate_per_second: 1000, source_partitions: 2 },
    faults: [{ kind: 'crash', target: 'tm-1', at: `${300 + 100 * seed} ms`, restart_after: '200 ms' }],
    phases: { safety_duration: '3s', liveness_bound: '20s' },
    properties: ['exactly_once_state', 'exactly_once_output', 'checkpoint_invariants', 'liveness'],
    seeds: [seed],
  });

  it('judges a crashed run between the two extreme interleavings and says which checks applied', () => {
    for (const [seed, unaligned] of [[1, false], [2, true]] as const) {
      const result = run_scenario(scenario(seed, unaligned), { seed, scenario_file: 'control-words.yaml' });
      expect(result.violations, `seed ${seed}`).toEqual([]);
      expect(result.job.final_status).toBe('FINISHED');
      const output = result.properties.find((p) => p.property === 'exactly_once_output')!;
      expect(output.status).toBe('pass');
      expect(output.message).toContain(INTERLEAVING_CHECKS);
      // Records only one interleaving produces: an exact comparison with either one would fail this run.
      expect(Number(/^(\d+) record\(s\) only one interleaving produces/.exec(output.message ?? '')?.[1])).toBeGreaterThan(100);
      expect(result.properties.find((p) => p.property === 'exactly_once_state')?.message).toContain('two extreme interleavings');
    }
  });

  it('still catches a restore that loses state and a sink that commits at pre-commit', () => {
    const forgetful = run_scenario_with(scenario(3, false), { seed: 3, scenario_file: 'control-words.yaml' }, { seams: forgetful_restore_seams });
    expect(forgetful.violations.map((v) => v.property)).toContain('exactly_once_state');
    // A crash right after a pre-commit: the records the planted bug committed early are written again after the restore.
    const after_precommit: Scenario = { ...scenario(3, false), faults: [{ kind: 'crash', target: 'tm-1', on: { event: 'sink.precommitted', occurrence: 3, delay: '1 ms' }, restart_after: '200 ms' }] };
    const committing = run_scenario_with(after_precommit, { seed: 3, scenario_file: 'control-words.yaml' }, { seams: commit_on_precommit_seams });
    const output = committing.violations.find((v) => v.property === 'exactly_once_output');
    expect(output?.message).toMatch(/duplicated/);
  });
});

describe('extremes that do not bracket the interleavings in between', () => {
  interface Rule {
    id: string;
    threshold: number;
  }
  interface Hit {
    seq: number;
    rule: string;
  }
  const rules = new MapStateDescriptor<string, Rule>('rules');
  // Dynamic rules (Flink's broadcast-state pattern): a rule's threshold changes while amounts flow past it.
  const dynamicRules = defineJob({
    build(env, _params, io) {
      const broadcast = env.fromSource(io.source<Rule>('rules'), { uid: 'rules' }).broadcast(rules);
      env
        .fromSource(io.source<{ seq: number; amount: number }>('amounts'), { uid: 'amounts' })
        .keyBy((amount) => amount.seq % 3)
        .connect(broadcast)
        .process<Hit>({
          processElement(amount, ctx, out) {
            for (const [id, rule] of ctx.getBroadcastState(rules).immutableEntries()) if (amount.amount > rule.threshold) out.collect({ seq: amount.seq, rule: id });
          },
          processBroadcastElement(rule, ctx) {
            ctx.getBroadcastState(rules).put(rule.id, rule);
          },
        })
        .uid('evaluate')
        .sinkTo(io.sink<Hit>())
        .uid('sink');
    },
    input: { records: {} },
    output: { key: (hit: Hit) => String(hit.seq), id: (hit: Hit) => `${hit.seq}/${hit.rule}` },
  });
  const build = job_factory(dynamicRules, { broker: 'broker', store: 'txstore', collector: 'collector', sink_kind: 'collect', bounded: true, topics: new Map([['rules', 1], ['amounts', 1]]) });
  const input = new Map([
    ['rules', [[{ value: { id: 'r', threshold: 10 }, timestamp_ms: 0 }, { value: { id: 'r', threshold: 90 }, timestamp_ms: 5 }]]],
    ['amounts', [[1, 2, 3, 4, 6, 7, 8, 9].map((seq) => ({ value: { seq, amount: 50 }, timestamp_ms: seq }))]],
  ]);
  const hit_id = (record: unknown): string => `${(record as Hit).seq}/${(record as Hit).rule}`;

  it('is detected: the inputs merged by timestamp give hits neither extreme gives (rules that change mid-stream)', () => {
    const { input1_first, input2_first } = evaluateBothInterleavings(build, {}, input);
    expect(input1_first.outputs.get('sink')).toEqual([]);
    expect(input2_first.outputs.get('sink')).toEqual([]);
    const merged = unbracketed_interleaving(build, {}, input, {}, input1_first, input2_first, 'sink', hit_id);
    expect((merged?.outputs.get('sink') as Hit[]).map((hit) => hit.seq)).toEqual([1, 2, 3, 4]);
  });

  it('leaves the strict checks on where the extremes bracket it (ControlFunction)', () => {
    const input_cf = controlFilterInput(params);
    const { input1_first, input2_first } = evaluateBothInterleavings(buildControlFilter, params, input_cf, { max_parallelism: 128 });
    expect(unbracketed_interleaving(buildControlFilter, params, input_cf, { max_parallelism: 128 }, input1_first, input2_first, 'sink', identity)).toBeUndefined();
  });

  it('then judges only duplicates, and still catches one', () => {
    const ended = { finished: true, status: 'FINISHED' };
    const extremes = { noun: 'interleaving', how: UNBRACKETED_INTERLEAVING_CHECKS, only_duplicates: true };
    const run = [{ seq: 1, rule: 'r' }, { seq: 2, rule: 'r' }];
    expect(judge_interleaved_output('exactly_once_output', [], [], run, hit_id, ended, extremes).status).toBe('pass');
    const twice = judge_interleaved_output('exactly_once_output', [], [], [...run, run[0]!], hit_id, ended, extremes);
    expect(twice.status).toBe('fail');
    expect(twice.message).toMatch(/^output records by identity: 1 duplicated \(1\/r\)/);
  });
});
