// Account events checked against broadcast rules (the shape of Flink's broadcast state pattern): rules arrive on a
// broadcast stream into MapStateDescriptor 'rules'; a KeyedBroadcastProcessFunction checks each event against its
// rule, keeps events whose rule has not arrived in keyed list state, and releases them with applyToKeyedState when it
// does. Every event gets exactly one verdict whichever way the two inputs interleave.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { KeyedBroadcastProcessFunction } from '../api/co-functions.js';
import type { RuntimeContext, Sink, Source } from '../api/functions.js';
import { defineJob } from '../api/job.js';
import { ListStateDescriptor, MapStateDescriptor } from '../api/state-descriptors.js';
import type { TopicConfig } from '../connectors/log-broker.js';
import { LogSource } from '../connectors/log-source.js';
import type { ListState } from '../state/keyed-state.js';
import { commonParams, numberParam, sinkFor } from './common.js';
import { emptyPartitions, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';

export interface AccountEvent {
  id: string;
  account: string;
  rule_id: string;
  amount: number;
}

export interface Rule {
  rule_id: string;
  limit: number;
}

export interface Verdict {
  id: string;
  account: string;
  rule_id: string;
  alert: boolean;
}

export const RULES = new MapStateDescriptor<string, Rule>('rules');
export const WAITING = new ListStateDescriptor<AccountEvent>('waiting');

interface RuleChecker extends KeyedBroadcastProcessFunction<string, AccountEvent, Rule, Verdict> {
  waiting: ListState<AccountEvent>;
}

const verdict = (event: AccountEvent, rule: Rule): Verdict => ({ id: event.id, account: event.account, rule_id: rule.rule_id, alert: event.amount > rule.limit });

export const ruleChecker: RuleChecker = {
  waiting: undefined as unknown as ListState<AccountEvent>,
  open(ctx: RuntimeContext) {
    this.waiting = ctx.getListState(WAITING);
  },
  processElement(event, ctx, out) {
    const rule = ctx.getBroadcastState(RULES).get(event.rule_id);
    if (rule === undefined) this.waiting.add(event);
    else out.collect(verdict(event, rule));
  },
  processBroadcastElement(rule, ctx, out) {
    ctx.getBroadcastState(RULES).put(rule.rule_id, rule);
    ctx.applyToKeyedState(WAITING, (_account, waiting) => {
      const still: AccountEvent[] = [];
      for (const event of waiting.get()) {
        if (event.rule_id === rule.rule_id) out.collect(verdict(event, rule));
        else still.push(event);
      }
      waiting.update(still);
    });
  },
};

function topicNames(raw: Record<string, unknown>): { events: string; rules: string } {
  return { events: typeof raw['events_topic'] === 'string' ? raw['events_topic'] : 'events', rules: typeof raw['rules_topic'] === 'string' ? raw['rules_topic'] : 'rules' };
}

export function ruleAlertsTopics(raw: Record<string, unknown>): TopicConfig[] {
  const { partitions } = commonParams(raw);
  const names = topicNames(raw);
  return [
    { name: names.events, partitions },
    { name: names.rules, partitions: numberParam(raw, 'rule_partitions', 1) },
  ];
}

export const verdictId = (verdict: Verdict): string => verdict.id;

export function ruleAlertsGraph(env: StreamExecutionEnvironment, sources: { events: Source<AccountEvent>; rules: Source<Rule> }, sink: Sink<Verdict>): void {
  const events = env.fromSource<AccountEvent>(sources.events, { uid: 'events', name: 'Events' });
  const rules = env.fromSource<Rule>(sources.rules, { uid: 'rules', name: 'Rules' });
  events
    .keyBy((event) => event.account)
    .connect(rules.broadcast(RULES))
    .process(ruleChecker)
    .uid('check')
    .sinkTo(sink)
    .uid('sink');
}

export function buildRuleAlerts(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  const names = topicNames(raw);
  const source = (topic: string, partitions: number) => new LogSource({ broker: params.broker, topic, partitions, bounded: params.bounded }) as never;
  ruleAlertsGraph(
    env,
    { events: source(names.events, params.partitions), rules: source(names.rules, numberParam(raw, 'rule_partitions', 1)) },
    sinkFor(params, (r) => verdictId(r as Verdict)),
  );
}

/**
 * `records` events over `keys` accounts (an account's events in one partition), each naming one of `rules` rules;
 * the rules come on their own topic (`rule_partitions` partitions), each once, in a seeded order.
 */
export function ruleAlertsInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const names = topicNames(raw);
  const records = numberParam(raw, 'records', 600);
  const accounts = numberParam(raw, 'keys', 20);
  const rules = numberParam(raw, 'rules', 12);
  const rule_partitions = numberParam(raw, 'rule_partitions', 1);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const events = emptyPartitions(params.partitions);
  for (let i = 0; i < records; i++) {
    const account = `a${random.int(0, accounts - 1)}`;
    const event: AccountEvent = { id: `e${i}`, account, rule_id: `r${random.int(0, rules - 1)}`, amount: random.int(1, 1000) };
    events[partitionForKey(account, params.partitions)]!.push({ value: event, timestamp_ms: i });
  }
  const rule_records = emptyPartitions(rule_partitions);
  const order = Array.from({ length: rules }, (_, r) => r);
  for (let i = order.length - 1; i > 0; i--) {
    const j = random.int(0, i);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  order.forEach((r, i) => rule_records[i % rule_partitions]!.push({ value: { rule_id: `r${r}`, limit: random.int(100, 900) } satisfies Rule, timestamp_ms: i }));
  return new Map([
    [names.events, events],
    [names.rules, rule_records],
  ]);
}

export const ruleAlertsJob = defineJob({
  description: 'account events checked against rules broadcast to every parallel instance (KeyedBroadcastProcessFunction); events wait in keyed state for their rule',
  params: {
    rules: { type: 'integer', default: 12, minimum: 1, maximum: 1000, description: 'How many rules the rules topic carries (each once).' },
    rule_partitions: { type: 'integer', default: 1, minimum: 1, maximum: 16, description: 'Partitions of the rules topic.' },
  },
  build: (env, _params, io) => ruleAlertsGraph(env, { events: io.source<AccountEvent>('events'), rules: io.source<Rule>('rules') }, io.sink<Verdict>()),
  input: {
    generate: ({ seed, params, workload }) =>
      ruleAlertsInput({
        seed,
        records: workload.records,
        keys: workload.keys,
        partitions: workload.partitions,
        rules: params.rules,
        rule_partitions: params.rule_partitions,
      }),
  },
  output: { key: verdictId },
});
