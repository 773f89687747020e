// Test fixture: a user's sessionizer written against the public entry only: clicks grouped into event-time sessions
// (gap 200 ms) with allowed lateness, late clicks to a side output. Out-of-order clicks from two partitions reach the
// windows behind the watermark now and then, so which sessions fire early and again depends on the watermark.
import {
  defineJob,
  emptyPartitions,
  EventTimeSessionWindows,
  OutputTag,
  partitionForKey,
  WatermarkStrategy,
  WorkloadRandom,
  type Collector,
  type ProcessWindowContext,
  type ProcessWindowFunction,
  type TimeWindow,
} from 'streamsim';

interface Click {
  user: string;
  at: number;
  id: number;
}
type Out = { kind: 'session'; user: string; start: number; end: number; ids: string } | { kind: 'late'; user: string; id: number };

const late = new OutputTag<Click>('late-clicks');

class SessionSummary implements ProcessWindowFunction<Click, Out, string, TimeWindow> {
  process(user: string, ctx: ProcessWindowContext<TimeWindow>, elements: readonly Click[], out: Collector<Out>): void {
    const ids = elements.map((click) => click.id).sort((a, b) => a - b).join(',');
    out.collect({ kind: 'session', user, start: ctx.window().start, end: ctx.window().end, ids });
  }
}

const params = {
  jitter_ms: { type: 'integer', default: 300, minimum: 0, description: 'How far a click is behind the click stream (event time)' },
  allowed_lateness_ms: { type: 'integer', default: 50, minimum: 0, description: 'Allowed lateness of the session windows' },
} as const;

export const sessions = defineJob({
  description: 'user sessions with late clicks to a side output',
  params,
  build(env, { allowed_lateness_ms }, io) {
    const windowed = env
      .fromSource(io.source<Click>(), { uid: 'clicks' })
      .assignTimestampsAndWatermarks(WatermarkStrategy.forBoundedOutOfOrderness<Click>(100).withTimestampAssigner((click) => click.at))
      .uid('timestamps')
      .keyBy((click) => click.user)
      .window(EventTimeSessionWindows.withGap(200))
      .allowedLateness(allowed_lateness_ms)
      .sideOutputLateData(late)
      .process(new SessionSummary())
      .uid('sessions');
    const late_clicks = windowed.getSideOutput(late).map((click): Out => ({ kind: 'late', user: click.user, id: click.id })).uid('late');
    windowed.union(late_clicks).sinkTo(io.sink<Out>()).uid('sink');
  },
  input: {
    generate({ seed, params, workload }: { seed: number; params: { jitter_ms: number }; workload: { records: number; keys: number; partitions: number } }) {
      const random = new WorkloadRandom(seed);
      const partitions = emptyPartitions(workload.partitions);
      let now = 0;
      for (let id = 0; id < workload.records; id++) {
        now += random.int(0, 40);
        const user = `u${random.int(1, workload.keys)}`;
        const at = Math.max(0, now - random.int(0, params.jitter_ms));
        partitions[partitionForKey(user, workload.partitions)]!.push({ value: { user, at, id }, timestamp_ms: at });
      }
      return { clicks: partitions };
    },
  },
  output: { key: (out: Out) => out.user, id: (out: Out) => (out.kind === 'late' ? `late/${out.id}` : `session/${out.user}/${out.start}/${out.end}`) },
});
