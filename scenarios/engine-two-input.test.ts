// Specification of two-input tasks end to end: orders matched with payments (KeyedCoProcessFunction over two topics),
// account events checked against broadcast rules (KeyedBroadcastProcessFunction), ad impressions joined with clicks
// (interval join, window join, coGroup), payments converted with broadcast rates and merged (non-keyed
// BroadcastProcessFunction, CoProcessFunction, CoMap). Barriers align across both inputs (aligned), are counted across
// both (at-least-once) or overtake on both (unaligned); the task finishes when both inputs ended; after crashes the
// keyed state, the broadcast state and the committed output equal the sequential oracle's; broadcast state rescales
// with a savepoint (every new subtask gets a copy), and a restore that hands it to one subtask only is caught.
import { describe, expect, it } from 'vitest';
import type { JobFactory } from '../engine/api/environment.js';
import type { SavepointOutcome } from '../engine/cluster/job-manager.js';
import type { JobManagerConfig } from '../engine/cluster/job-manager.js';
import type { TopicConfig } from '../engine/connectors/log-broker.js';
import { adClicksInput, adClicksOutputKey, adClicksTopics, buildAdClicks } from '../engine/examples/ad-clicks.js';
import { buildOrderPayments, orderPaymentsInput, orderPaymentsTopics } from '../engine/examples/order-payments.js';
import { buildRuleAlerts, ruleAlertsInput, ruleAlertsTopics } from '../engine/examples/rule-alerts.js';
import type { TopicInput } from '../engine/examples/workload.js';
import type { TaskSeams } from '../engine/task/task.js';
import { evaluateOracle } from '../properties/oracle.js';
import { checkInterleavedOutput, evaluateBothInterleavings } from '../properties/interleaving.js';
import type { StreamExecutionEnvironment } from '../engine/api/environment.js';
import type { BroadcastProcessFunction, CoMapFunction, CoProcessFunction } from '../engine/api/co-functions.js';
import { MapStateDescriptor } from '../engine/api/state-descriptors.js';
import { LogSource } from '../engine/connectors/log-source.js';
import { commonParams, sinkFor } from '../engine/examples/common.js';
import { emptyPartitions } from '../engine/examples/workload.js';
import { Cluster } from './cluster.js';

interface TwoInputJob {
  build: JobFactory;
  input(params: Record<string, unknown>): TopicInput;
  topics(params: Record<string, unknown>): TopicConfig[];
}

const ORDER_PAYMENTS: TwoInputJob = { build: buildOrderPayments, input: orderPaymentsInput, topics: orderPaymentsTopics };
const RULE_ALERTS: TwoInputJob = { build: buildRuleAlerts, input: ruleAlertsInput, topics: ruleAlertsTopics };
const AD_CLICKS: TwoInputJob = { build: buildAdClicks, input: adClicksInput, topics: adClicksTopics };

const params = { records: 900, partitions: 4, seed: 3, sink: 'two_phase_commit', sink_records_per_ms: 1 };

function cluster(
  seed: number,
  mode: NonNullable<JobManagerConfig['checkpointing']>['mode'] = 'aligned',
  job_params: Record<string, unknown> = params,
  job: TwoInputJob = ORDER_PAYMENTS,
  task_seams?: TaskSeams,
) {
  const input = job.input(job_params);
  const c = new Cluster({
    seed,
    jobs: new Map([['two_input', job.build]]),
    job: { name: 'two_input', params: job_params, parallelism: 2, max_parallelism: 128 },
    task_managers: 2,
    slots_per_task_manager: 3,
    topics: job.topics(job_params),
    input,
    checkpointing: { interval_ms: 30, mode },
    restart_strategy: { type: 'fixed-delay', attempts: 10, delay_ms: 50 },
    heartbeat_interval_ms: 20,
    heartbeat_timeout_ms: 100,
    transactional_store: {},
    task_manager: {
      network: { buffer_records: 8, input_buffers_per_channel: 2, output_queue_buffers: 2, buffer_timeout_ms: 0 },
      ...(task_seams !== undefined ? { task_seams } : {}),
    },
  });
  return { c, oracle: evaluateOracle(job.build, job_params, input, { max_parallelism: 128 }) };
}

const canonical = (records: readonly unknown[]): string[] => records.map((r) => JSON.stringify(r)).sort();

function committed(c: Cluster): unknown[] {
  return c.transactionalStore()!.read_committed().records;
}

/** Broadcast state of every running subtask of operator `uid`: subtask → state name → entries sorted by key. */
function broadcastStates(c: Cluster, uid: string): Map<number, Record<string, unknown[]>> {
  const out = new Map<number, Record<string, unknown[]>>();
  for (const tm of c.taskManagers()) {
    for (const task of tm.tasks) {
      const operator = task.operators.find((o) => o.node.uid === uid) as { broadcast_state?: { export(): Map<string, [unknown, unknown][]> } } | undefined;
      if (operator?.broadcast_state === undefined) continue;
      out.set(task.subtask_index, sortedStates(operator.broadcast_state.export()));
    }
  }
  return out;
}

function sortedStates(states: ReadonlyMap<string, [unknown, unknown][]>): Record<string, unknown[]> {
  return Object.fromEntries([...states].map(([name, entries]) => [name, canonical(entries)]));
}

describe('two-input tasks', () => {
  it('align barriers across both inputs and end with the oracle state and output (no faults)', () => {
    const { c, oracle } = cluster(1);
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    const probes = c.world.probe_counts();
    expect(probes['checkpoint.aligned_across_inputs'] ?? 0).toBeGreaterThan(0);
    expect(c.keyedState().get('match')).toEqual(oracle.state.get('match'));
    expect(canonical(committed(c))).toEqual(canonical(oracle.outputs.get('sink')!));
    // Some orders stay unpaid and some payments have no order: they remain in keyed state at the end.
    expect(oracle.state.get('match')!.length).toBeGreaterThan(0);
  });

  it('keep keyed state and committed output exactly once across TaskManager crashes (aligned and unaligned)', () => {
    for (const mode of ['aligned', 'unaligned'] as const) {
      for (const seed of [2, 3]) {
        const { c, oracle } = cluster(seed, mode);
        c.world.schedule(150, () => c.world.crash('tm-1'));
        c.world.schedule(260, () => c.world.restart('tm-1'));
        c.world.schedule(420, () => c.world.crash('tm-2'));
        c.world.schedule(520, () => c.world.restart('tm-2'));
        c.runToCompletion(5_000_000);
        expect(c.jobStatus(), `${mode} seed ${seed}`).toBe('FINISHED');
        const probes = c.world.probe_counts();
        expect(probes['task.restored_from_checkpoint'] ?? 0, `${mode} seed ${seed}`).toBeGreaterThan(0);
        if (mode === 'unaligned') {
          expect(probes['checkpoint.unaligned_across_inputs'] ?? 0).toBeGreaterThan(0);
          // In-flight records of both inputs were channel state and went back into their input on restore.
          expect(probes['restore.channel_state_replayed'] ?? 0, `seed ${seed}`).toBeGreaterThan(0);
        }
        expect(c.keyedState().get('match'), `${mode} seed ${seed}`).toEqual(oracle.state.get('match'));
        expect(canonical(committed(c)), `${mode} seed ${seed}`).toEqual(canonical(oracle.outputs.get('sink')!));
      }
    }
  });

  it('count barriers across both inputs in at-least-once mode: nothing is lost after a crash', () => {
    const { c, oracle } = cluster(4, 'at_least_once');
    c.world.schedule(200, () => c.world.crash('tm-2'));
    c.world.schedule(300, () => c.world.restart('tm-2'));
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    expect(c.world.probe_counts()['checkpoint.at_least_once_across_inputs'] ?? 0).toBeGreaterThan(0);
    const actual = new Set(canonical(committed(c)));
    for (const record of canonical(oracle.outputs.get('sink')!)) expect(actual.has(record)).toBe(true);
  });

  it('fire event-time timers at the minimum of both inputs’ watermarks, after both inputs ended at the latest', () => {
    const with_timeout = { ...params, timeout_ms: 200 };
    const { c, oracle } = cluster(5, 'aligned', with_timeout);
    c.runToCompletion(5_000_000);
    expect(c.jobStatus()).toBe('FINISHED');
    const outcomes = oracle.outputs.get('sink') as { status: string }[];
    expect(new Set(outcomes.map((o) => o.status))).toEqual(new Set(['paid', 'unpaid', 'payment_without_order']));
    expect(canonical(committed(c))).toEqual(canonical(outcomes));
    expect(c.keyedState().get('match') ?? []).toEqual([]);
  });

  it('join impressions and clicks in event time (interval join, window join, coGroup) exactly once across crashes', () => {
    for (const join of ['interval', 'window', 'cogroup'] as const) {
      const join_params = { ...params, join, window_ms: 45 };
      const { c, oracle } = cluster(6, 'aligned', join_params, AD_CLICKS);
      c.world.schedule(180, () => c.world.crash('tm-2'));
      c.world.schedule(260, () => c.world.restart('tm-2'));
      c.runToCompletion(5_000_000);
      expect(c.jobStatus(), join).toBe('FINISHED');
      expect(c.world.probe_counts()['task.restored_from_checkpoint'] ?? 0, join).toBeGreaterThan(0);
      const expected = oracle.outputs.get('sink')!;
      expect(expected.length, join).toBeGreaterThan(50);
      expect(new Set(expected.map(adClicksOutputKey)).size, `${join}: one output per key`).toBe(expected.length);
      expect(canonical(committed(c)), join).toEqual(canonical(expected));
      // Every window fired and every interval-join buffer was cleaned up: nothing stays in keyed state.
      expect(c.keyedState().get('join') ?? [], join).toEqual([]);
    }
  });
});

describe('keyed two-input state rescales by key groups', () => {
  it('interval-join buffers and co-process state survive stop-with-savepoint at 3 and then 1', () => {
    for (const [job, job_params, uid] of [
      [AD_CLICKS, { ...params, join: 'interval', window_ms: 45 }, 'join'],
      [ORDER_PAYMENTS, params, 'match'],
    ] as const) {
      const { c, oracle } = cluster(12, 'aligned', job_params, job);
      const outcomes: SavepointOutcome[] = [];
      const second = (): void => {
        c.jobManager()!.stop_with_savepoint({ resume: { parallelism: 1, after_ms: 20 } }, (o) => outcomes.push(o));
      };
      c.world.schedule(100, () =>
        c.jobManager()!.stop_with_savepoint({ resume: { parallelism: 3, after_ms: 20 } }, (o) => {
          outcomes.push(o);
          c.world.schedule(c.world.now_ms + 60, second);
        }),
      );
      c.runToCompletion(5_000_000);
      expect(outcomes.map((o) => o.ok), uid).toEqual([true, true]);
      expect(c.world.probe_counts()['savepoint.resumed_rescaled'] ?? 0, uid).toBe(2);
      expect(c.jobStatus(), uid).toBe('FINISHED');
      expect(c.keyedState().get(uid) ?? [], uid).toEqual(oracle.state.get(uid) ?? []);
      expect(canonical(committed(c)), uid).toEqual(canonical(oracle.outputs.get('sink')!));
    }
  });
});

describe('broadcast state', () => {
  const rule_params = { ...params, rules: 14, keys: 30 };

  it('every subtask holds every rule; after crashes state and verdicts equal the oracle (aligned and unaligned)', () => {
    for (const mode of ['aligned', 'unaligned'] as const) {
      const { c, oracle } = cluster(7, mode, rule_params, RULE_ALERTS);
      let mid_run: Map<number, Record<string, unknown[]>> | undefined;
      c.world.schedule(300, () => (mid_run = broadcastStates(c, 'check')));
      c.world.schedule(480, () => c.world.crash('tm-1'));
      c.world.schedule(560, () => c.world.restart('tm-1'));
      c.runToCompletion(5_000_000);
      expect(c.jobStatus(), mode).toBe('FINISHED');
      expect(c.world.probe_counts()['restore.broadcast_state'] ?? 0, mode).toBeGreaterThan(0);
      // Mid-run the subtasks agree (each saw the same rules in the same order).
      expect(mid_run?.size, mode).toBe(2);
      expect(mid_run!.get(0), mode).toEqual(mid_run!.get(1));
      const expected = sortedStates(oracle.broadcast_state.get('check')!);
      expect(expected['rules']!.length).toBe(14);
      for (const [subtask, state] of broadcastStates(c, 'check')) expect(state, `${mode} subtask ${subtask}`).toEqual(expected);
      expect(c.keyedState().get('check'), mode).toEqual(oracle.state.get('check'));
      expect(canonical(committed(c)), mode).toEqual(canonical(oracle.outputs.get('sink')!));
    }
  });

  it('rescales through a savepoint: scaled up to 3, the new subtask starts with a copy of the rules', () => {
    const { c, oracle } = cluster(8, 'aligned', rule_params, RULE_ALERTS);
    let outcome: SavepointOutcome | undefined;
    let rules_at_savepoint = 0;
    c.world.schedule(300, () => {
      rules_at_savepoint = broadcastStates(c, 'check').get(0)!['rules']!.length;
      c.jobManager()!.stop_with_savepoint({ resume: { parallelism: 3, after_ms: 20 } }, (o) => (outcome = o));
    });
    c.world.run({ until: () => outcome !== undefined && c.taskManagers().some((tm) => tm.tasks.some((t) => t.subtask_index === 2 && t.status === 'running')), until_ms: 5_000 });
    const after_resume = broadcastStates(c, 'check');
    c.runToCompletion(5_000_000);
    expect(outcome?.ok).toBe(true);
    expect(rules_at_savepoint).toBeGreaterThan(0);
    expect(c.world.probe_counts()['restore.broadcast_state_rescaled'] ?? 0).toBeGreaterThan(0);
    expect(after_resume.size).toBe(3);
    expect(after_resume.get(2)!['rules']!.length).toBeGreaterThanOrEqual(rules_at_savepoint);
    expect(c.jobStatus()).toBe('FINISHED');
    const expected = sortedStates(oracle.broadcast_state.get('check')!);
    const final = broadcastStates(c, 'check');
    expect([...final.keys()].sort()).toEqual([0, 1, 2]);
    for (const state of final.values()) expect(state).toEqual(expected);
    expect(canonical(committed(c))).toEqual(canonical(oracle.outputs.get('sink')!));
  });

  it('a restore that gives broadcast state to subtask 0 only is caught: verdicts go missing (planted bug)', () => {
    const missing = [9, 10, 11].map((seed) => {
      const { c, oracle } = cluster(seed, 'aligned', rule_params, RULE_ALERTS, { broadcast_state_on_subtask_0_only: true });
      c.world.schedule(300, () => c.world.crash('tm-1'));
      c.world.schedule(380, () => c.world.restart('tm-1'));
      c.runToCompletion(5_000_000);
      const actual = new Set(canonical(committed(c)));
      return canonical(oracle.outputs.get('sink')!).filter((record) => !actual.has(record)).length;
    });
    expect(missing.filter((n) => n > 0).length).toBeGreaterThanOrEqual(2);
  });
});

// Non-keyed two-input functions: a BroadcastProcessFunction converts events with broadcast rates (an event before its
// rate stays unconverted: the result depends on how the inputs interleave), a CoProcessFunction merges refunds in,
// and a CoMap merges notes. Judged as Flink defines them: every record once by identity, between the two extreme
// interleavings, and every subtask ends with every rate.
interface Payment {
  id: string;
  currency: string;
  amount: number;
}
interface Converted {
  id: string;
  eur: number | null;
}
const RATES = new MapStateDescriptor<string, number>('rates');

function buildNonKeyed(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const common = commonParams(raw);
  const source = (topic: string, partitions: number) => new LogSource({ broker: common.broker, topic, partitions, bounded: common.bounded }) as never;
  const payments = env.fromSource<Payment>(source('payments', common.partitions), { uid: 'payments', name: 'Payments' });
  const rates = env.fromSource<[string, number]>(source('rates', 1), { uid: 'rates', name: 'Rates' });
  const refunds = env.fromSource<string>(source('refunds', common.partitions), { uid: 'refunds', name: 'Refunds' });
  const notes = env.fromSource<string>(source('notes', common.partitions), { uid: 'notes', name: 'Notes' });
  const convert: BroadcastProcessFunction<Payment, [string, number], Converted> = {
    processElement(payment, ctx, out) {
      const rate = ctx.getBroadcastState(RATES).get(payment.currency);
      out.collect({ id: payment.id, eur: rate === undefined ? null : payment.amount * rate });
    },
    processBroadcastElement([currency, rate], ctx) {
      ctx.getBroadcastState(RATES).put(currency, rate);
    },
  };
  const withRefunds: CoProcessFunction<Converted, string, Converted> = {
    processElement1(converted, _ctx, out) {
      out.collect(converted);
    },
    processElement2(refund, _ctx, out) {
      out.collect({ id: refund, eur: -1 });
    },
  };
  const withNotes: CoMapFunction<Converted, string, Converted> = {
    map1: (converted) => converted,
    map2: (note) => ({ id: note, eur: 0 }),
  };
  payments
    .connect(rates.broadcast(RATES))
    .process(convert)
    .uid('convert')
    .connect(refunds)
    .process(withRefunds)
    .uid('merge-refunds')
    .connect(notes)
    .map(withNotes)
    .uid('merge-notes')
    .sinkTo(sinkFor(common, (r) => (r as Converted).id))
    .uid('sink');
}

function nonKeyedInput(raw: Record<string, unknown>): TopicInput {
  const { partitions } = commonParams(raw);
  const split = <T>(prefix: string, count: number, value: (i: number) => T) => {
    const out = emptyPartitions(partitions);
    for (let i = 0; i < count; i++) out[i % partitions]!.push({ value: value(i), timestamp_ms: i });
    return out;
  };
  const currencies = ['usd', 'gbp', 'chf', 'jpy', 'sek'];
  return new Map([
    ['payments', split('p', 600, (i) => ({ id: `p${i}`, currency: currencies[i % 5]!, amount: i }) satisfies Payment)],
    ['rates', [currencies.map((currency, i) => ({ value: [currency, i + 1] as [string, number], timestamp_ms: i * 40 }))]],
    ['refunds', split('r', 150, (i) => `r${i}`)],
    ['notes', split('n', 150, (i) => `n${i}`)],
  ]);
}

describe('non-keyed two-input functions (BroadcastProcessFunction, CoProcessFunction, CoMap)', () => {
  it('after crashes every record arrives once and every subtask holds every rate (aligned and unaligned)', () => {
    const nonkeyed_params = { ...params, partitions: 3 };
    const input = nonKeyedInput(nonkeyed_params);
    const job: TwoInputJob = {
      build: buildNonKeyed,
      input: () => input,
      topics: () => [...input].map(([name, partitions]) => ({ name, partitions: partitions.length })),
    };
    const both = evaluateBothInterleavings(buildNonKeyed, nonkeyed_params, input, { max_parallelism: 128 });
    for (const mode of ['aligned', 'unaligned'] as const) {
      const { c } = cluster(11, mode, nonkeyed_params, job);
      c.world.schedule(400, () => c.world.crash('tm-1'));
      c.world.schedule(480, () => c.world.restart('tm-1'));
      c.world.schedule(900, () => c.world.crash('tm-2'));
      c.world.schedule(980, () => c.world.restart('tm-2'));
      c.runToCompletion(5_000_000);
      expect(c.jobStatus(), mode).toBe('FINISHED');
      expect(c.world.probe_counts()['restore.broadcast_state'] ?? 0, mode).toBeGreaterThan(0);
      const verdict = checkInterleavedOutput(both.input1_first.outputs.get('sink')!, both.input2_first.outputs.get('sink')!, committed(c), (r) => (r as Converted).id);
      expect(verdict, mode).toMatchObject({ duplicated: [], unexpected: [], lost: [] });
      expect(committed(c).length, mode).toBe(900);
      const expected = sortedStates(both.input1_first.broadcast_state.get('convert')!);
      expect(expected['rates']!.length).toBe(5);
      for (const [subtask, state] of broadcastStates(c, 'convert')) expect(state, `${mode} subtask ${subtask}`).toEqual(expected);
    }
  });
});
