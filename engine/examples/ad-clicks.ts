// Ad impressions and clicks, keyed by ad, joined in event time three ways (param `join`): `interval` attributes a
// click to every impression of its ad at most window_ms before it (intervalJoin.between(0, window_ms)), `window`
// pairs impressions and clicks of an ad in the same tumbling window (window join), `cogroup` counts both per ad and
// window (coGroup). No element is ever behind its input's watermark, so the results do not depend on interleaving.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { Collector, Sink, Source } from '../api/functions.js';
import { defineJob } from '../api/job.js';
import { TumblingEventTimeWindows } from '../api/windows.js';
import type { TopicConfig } from '../connectors/log-broker.js';
import { LogSource } from '../connectors/log-source.js';
import { commonParams, numberParam, sinkFor } from './common.js';
import { emptyPartitions, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';

export interface Impression {
  impression_id: string;
  ad: string;
  ts: number;
}

export interface Click {
  click_id: string;
  ad: string;
  ts: number;
}

export type Attribution = { impression_id: string; click_id: string; ad: string; delay_ms: number };
export type AdWindowCounts = { ad: string; window_start: number; impressions: number; clicks: number };
export type AdClicksOutput = Attribution | AdWindowCounts;

export type AdJoin = 'interval' | 'window' | 'cogroup';

export function adJoinOf(raw: Record<string, unknown>): AdJoin {
  const join = raw['join'] ?? 'interval';
  if (join !== 'interval' && join !== 'window' && join !== 'cogroup') throw new Error(`parameter join must be interval, window or cogroup, not ${JSON.stringify(join)}`);
  return join;
}

/** Output key: one attribution per (impression, click) pair, one count per (ad, window). */
export function adClicksOutputKey(record: unknown): string {
  const r = record as AdClicksOutput;
  return 'click_id' in r ? `${r.impression_id}|${r.click_id}` : `${r.ad}@${r.window_start}`;
}

export function adClicksTopics(raw: Record<string, unknown>): TopicConfig[] {
  const { partitions } = commonParams(raw);
  return [
    { name: 'impressions', partitions },
    { name: 'clicks', partitions },
  ];
}

export function buildAdClicks(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  const source = (topic: string) => new LogSource({ broker: params.broker, topic, partitions: params.partitions, bounded: params.bounded }) as never;
  adClicksGraph(env, { impressions: source('impressions'), clicks: source('clicks') }, sinkFor(params, adClicksOutputKey), {
    join: adJoinOf(raw),
    window_ms: numberParam(raw, 'window_ms', 60),
    out_of_orderness_ms: numberParam(raw, 'out_of_orderness_ms', 20),
  });
}

export function adClicksGraph(
  env: StreamExecutionEnvironment,
  sources: { impressions: Source<Impression>; clicks: Source<Click> },
  sink: Sink<AdClicksOutput>,
  options: { join: AdJoin; window_ms: number; out_of_orderness_ms: number },
): void {
  const { window_ms, out_of_orderness_ms } = options;
  const impressions = env.fromSource<Impression>(sources.impressions, {
    uid: 'impressions',
    name: 'Impressions',
    watermarks: { out_of_orderness_ms, timestamp_assigner: (i) => i.ts },
  });
  const clicks = env.fromSource<Click>(sources.clicks, {
    uid: 'clicks',
    name: 'Clicks',
    watermarks: { out_of_orderness_ms, timestamp_assigner: (c) => c.ts },
  });
  const attribution = (impression: Impression, click: Click): Attribution => ({
    impression_id: impression.impression_id,
    click_id: click.click_id,
    ad: impression.ad,
    delay_ms: click.ts - impression.ts,
  });
  let joined;
  switch (options.join) {
    case 'interval':
      joined = impressions
        .keyBy((i) => i.ad)
        .intervalJoin(clicks.keyBy((c) => c.ad))
        .between(0, window_ms)
        .process({ processElement: (impression, click, _ctx, out: Collector<AdClicksOutput>) => out.collect(attribution(impression, click)) });
      break;
    case 'window':
      joined = impressions
        .join(clicks)
        .where((i) => i.ad)
        .equalTo((c) => c.ad)
        .window(TumblingEventTimeWindows.of(window_ms))
        .apply((impression, click): AdClicksOutput => attribution(impression, click));
      break;
    case 'cogroup':
      joined = impressions
        .coGroup(clicks)
        .where((i) => i.ad)
        .equalTo((c) => c.ad)
        .window(TumblingEventTimeWindows.of(window_ms))
        .apply((shown: readonly Impression[], clicked: readonly Click[], out: Collector<AdClicksOutput>) => {
          const first = shown[0] ?? clicked[0]!;
          const window_start = first.ts - (first.ts % window_ms);
          out.collect({ ad: first.ad, window_start, impressions: shown.length, clicks: clicked.length });
        });
      break;
  }
  joined.uid('join').sinkTo(sink).uid('sink');
}

/**
 * One timeline of `records` events at i * step_ms + a jitter ≤ out_of_orderness_ms: about a third are clicks, each on
 * the ad of one of the last 8 impressions; an ad's events all go to one partition of each topic.
 */
export function adClicksInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const records = numberParam(raw, 'records', 600);
  const ads = numberParam(raw, 'keys', 12);
  const step_ms = numberParam(raw, 'step_ms', 3);
  const disorder_ms = numberParam(raw, 'out_of_orderness_ms', 20);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const impressions = emptyPartitions(params.partitions);
  const clicks = emptyPartitions(params.partitions);
  const recent: string[] = [];
  for (let i = 0; i < records; i++) {
    const ts = i * step_ms + random.int(0, disorder_ms);
    if (recent.length === 0 || random.int(0, 2) > 0) {
      const ad = `ad${random.int(0, ads - 1)}`;
      recent.push(ad);
      if (recent.length > 8) recent.shift();
      impressions[partitionForKey(ad, params.partitions)]!.push({ value: { impression_id: `i${i}`, ad, ts } satisfies Impression, timestamp_ms: ts });
    } else {
      const ad = recent[random.int(0, recent.length - 1)]!;
      clicks[partitionForKey(ad, params.partitions)]!.push({ value: { click_id: `c${i}`, ad, ts } satisfies Click, timestamp_ms: ts });
    }
  }
  return new Map([
    ['impressions', impressions],
    ['clicks', clicks],
  ]);
}

export const adClicksJob = defineJob({
  description: 'ad impressions and clicks keyed by ad and joined in event time: interval join, window join or coGroup (param join)',
  params: {
    join: { type: 'string', enum: ['interval', 'window', 'cogroup'], description: 'interval: clicks at most window_size after an impression; window: pairs in a tumbling window; cogroup: counts per ad and window.' },
    window_size: { type: 'duration', default: '60 ms', minimum_ms: 1, description: 'The interval join upper bound, or the tumbling window size.' },
    out_of_orderness: { type: 'duration', default: '20 ms', description: 'Bounded out-of-orderness of the input and of the watermark strategies.' },
  },
  build: (env, params, io) =>
    adClicksGraph(env, { impressions: io.source<Impression>('impressions'), clicks: io.source<Click>('clicks') }, io.sink<AdClicksOutput>(), {
      join: params.join as AdJoin,
      window_ms: params.window_size,
      out_of_orderness_ms: params.out_of_orderness,
    }),
  input: {
    generate: ({ seed, params, workload }) =>
      adClicksInput({ seed, records: workload.records, keys: workload.keys, partitions: workload.partitions, out_of_orderness_ms: params.out_of_orderness }),
  },
  output: { key: adClicksOutputKey },
});
