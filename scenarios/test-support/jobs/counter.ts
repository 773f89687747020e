// Test fixture: a small user job written the way a user writes one (only the public entry), counting events per
// user with keyed state; `forgetful` keeps the count in a plain Map instead (lost on restore: the harness catches it).
import { defineJob, partitionForKey, WorkloadRandom, emptyPartitions, type KeyedProcessFunction, type ValueState } from 'streamsim';

interface Event {
  user: string;
  n: number;
}
type Count = { user: string; count: number };

function events(seed: number, records: number, keys: number, partitions: number) {
  const random = new WorkloadRandom(seed);
  const out = emptyPartitions(partitions);
  for (let i = 0; i < records; i++) {
    const user = `u${random.int(0, keys - 1)}`;
    out[partitionForKey(user, partitions)]!.push({ value: { user, n: i } satisfies Event, timestamp_ms: i });
  }
  return { events: out };
}

const counting: KeyedProcessFunction<string, Event, Count> & { count?: ValueState<number> } = {
  open(ctx) {
    this.count = ctx.getState<number>('count');
  },
  processElement(event, _ctx, out) {
    const next = (this.count!.value() ?? 0) + 1;
    this.count!.update(next);
    out.collect({ user: event.user, count: next });
  },
};

export const counter = defineJob({
  description: 'events per user, counted in keyed state',
  params: { step: { type: 'integer', default: 1, minimum: 1, maximum: 10 } },
  build(env, _params, io) {
    env.fromSource(io.source<Event>(), { uid: 'source' }).keyBy((e) => e.user).process(counting).uid('count').sinkTo(io.sink<Count>()).uid('sink');
  },
  input: { generate: ({ seed, workload }) => events(seed, workload.records, workload.keys, workload.partitions) },
  output: { key: (c: Count) => c.user, id: (c: Count) => `${c.user}/${c.count}` },
});

/** The same job with its counts in a plain Map on the function: not checkpointed, so a restore forgets them. */
const counting_in_a_map: KeyedProcessFunction<string, Event, Count> & { counts?: Map<string, number> } = {
  open() {
    this.counts = new Map();
  },
  processElement(event, _ctx, out) {
    const next = (this.counts!.get(event.user) ?? 0) + 1;
    this.counts!.set(event.user, next);
    out.collect({ user: event.user, count: next });
  },
};

export const forgetful = defineJob({
  description: 'events per user, counted in a plain Map (a planted user bug)',
  build(env, _params, io) {
    env.fromSource(io.source<Event>(), { uid: 'source' }).keyBy((e) => e.user).process(counting_in_a_map).uid('count').sinkTo(io.sink<Count>()).uid('sink');
  },
  input: { generate: ({ seed, workload }) => events(seed, workload.records, workload.keys, workload.partitions) },
  output: { key: (c: Count) => c.user },
});

export const not_a_job = { build: () => undefined };

export const throws_while_building = defineJob({
  build() {
    throw new Error('no such table');
  },
  input: { records: { events: [[]] } },
});
