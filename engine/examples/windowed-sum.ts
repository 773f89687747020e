// Windowed sum per key: event-time tumbling (or sliding, with slide_ms) windows over (key, value) records with a
// bounded-out-of-orderness watermark; emits {key, window_start, window_end, sum, count} when a window fires.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { AggregateFunction, TimeWindow } from '../api/functions.js';
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from '../api/windows.js';
import { commonParams, numberParam, sinkFor, sourceFor } from './common.js';
import { emptyPartitions, keyNamer, WorkloadRandom, type TopicInput } from './workload.js';

export interface KeyedValue {
  key: string;
  value: number;
  timestamp_ms: number;
}

export interface WindowSum {
  key: string;
  window_start: number;
  window_end: number;
  sum: number;
  count: number;
}

export const sumAggregate: AggregateFunction<KeyedValue, [number, number], [number, number]> = {
  createAccumulator: () => [0, 0],
  add: (value, acc) => [acc[0] + value.value, acc[1] + 1],
  getResult: (acc) => acc,
  merge: (a, b) => [a[0] + b[0], a[1] + b[1]],
};

export function buildWindowedSum(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  const size_ms = numberParam(raw, 'window_ms', 100);
  const slide_ms = numberParam(raw, 'slide_ms', 0);
  const out_of_orderness_ms = numberParam(raw, 'out_of_orderness_ms', 20);
  const assigner = slide_ms > 0 ? SlidingEventTimeWindows.of(size_ms, slide_ms) : TumblingEventTimeWindows.of(size_ms);
  env
    .fromSource<KeyedValue>(sourceFor(params) as never, {
      uid: 'source',
      name: 'Values',
      watermarks: { out_of_orderness_ms, timestamp_assigner: (record) => record.timestamp_ms },
    })
    .keyBy((record) => record.key)
    .window(assigner)
    .allowedLateness(numberParam(raw, 'allowed_lateness_ms', 0))
    .aggregate(sumAggregate, (key: string, window: TimeWindow, [sum, count]: [number, number]) => ({
      key,
      window_start: window.start,
      window_end: window.end,
      sum,
      count,
    }))
    .uid('window')
    .sinkTo(sinkFor(params, (r) => `${(r as WindowSum).key}/${(r as WindowSum).window_start}`))
    .uid('sink');
}

/**
 * Per partition, record i has timestamp i * step_ms + jitter (jitter in [0, out_of_orderness_ms]), so no record is
 * ever behind its split's watermark: window results do not depend on how the run interleaves.
 */
export function windowedSumInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const records = numberParam(raw, 'records', 1000);
  const keys = numberParam(raw, 'keys', 10);
  const step_ms = numberParam(raw, 'step_ms', 3);
  const disorder_ms = numberParam(raw, 'out_of_orderness_ms', 20);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const key = keyNamer(raw, 'k');
  const partitions = emptyPartitions(params.partitions);
  for (let i = 0; i < records; i++) {
    const partition = partitions[i % params.partitions]!;
    const timestamp_ms = partition.length * step_ms + random.int(0, disorder_ms);
    const value: KeyedValue = { key: key(random.int(0, keys - 1)), value: random.int(1, 100), timestamp_ms };
    partition.push({ value, timestamp_ms });
  }
  return new Map([[params.topic, partitions]]);
}
