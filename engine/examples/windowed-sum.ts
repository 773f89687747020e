// Windowed sum per key: event-time tumbling (or sliding, with slide_ms) windows over (key, value) records with a
// bounded-out-of-orderness watermark; emits {key, window_start, window_end, sum, count} when a window fires. Defined
// through the job contract (windowedSumJob) and, for engine tests, as a factory over raw parameters (buildWindowedSum).
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { AggregateFunction, Sink, Source, TimeWindow } from '../api/functions.js';
import { defineJob } from '../api/job.js';
import { SlidingEventTimeWindows, TumblingEventTimeWindows } from '../api/windows.js';
import { commonParams, numberParam, sinkFor, sourceFor } from './common.js';
import { emptyPartitions, WorkloadRandom, type TopicInput } from './workload.js';

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

export interface WindowedSumOptions {
  window_ms: number;
  /** 0: tumbling windows. */
  slide_ms: number;
  out_of_orderness_ms: number;
  allowed_lateness_ms: number;
}

/** A window result's upsert id: one per (key, window). */
export const windowSumId = (result: WindowSum): string => `${result.key}/${result.window_start}`;

export function windowedSumGraph(env: StreamExecutionEnvironment, source: Source<KeyedValue>, sink: Sink<WindowSum>, options: WindowedSumOptions): void {
  const assigner = options.slide_ms > 0 ? SlidingEventTimeWindows.of(options.window_ms, options.slide_ms) : TumblingEventTimeWindows.of(options.window_ms);
  env
    .fromSource<KeyedValue>(source, {
      uid: 'source',
      name: 'Values',
      watermarks: { out_of_orderness_ms: options.out_of_orderness_ms, timestamp_assigner: (record) => record.timestamp_ms },
    })
    .keyBy((record) => record.key)
    .window(assigner)
    .allowedLateness(options.allowed_lateness_ms)
    .aggregate(sumAggregate, (key: string, window: TimeWindow, [sum, count]: [number, number]): WindowSum => ({
      key,
      window_start: window.start,
      window_end: window.end,
      sum,
      count,
    }))
    .uid('window')
    .sinkTo(sink)
    .uid('sink');
}

export function buildWindowedSum(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  windowedSumGraph(env, sourceFor(params) as Source<KeyedValue>, sinkFor(params, (r) => windowSumId(r as WindowSum)), {
    window_ms: numberParam(raw, 'window_ms', 100),
    slide_ms: numberParam(raw, 'slide_ms', 0),
    out_of_orderness_ms: numberParam(raw, 'out_of_orderness_ms', 20),
    allowed_lateness_ms: numberParam(raw, 'allowed_lateness_ms', 0),
  });
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
  const partitions = emptyPartitions(params.partitions);
  for (let i = 0; i < records; i++) {
    const partition = partitions[i % params.partitions]!;
    const timestamp_ms = partition.length * step_ms + random.int(0, disorder_ms);
    const value: KeyedValue = { key: `k${random.int(0, keys - 1)}`, value: random.int(1, 100), timestamp_ms };
    partition.push({ value, timestamp_ms });
  }
  return new Map([[params.topic, partitions]]);
}

export const windowedSumJob = defineJob({
  description: 'event-time tumbling (or sliding) windows summing and counting a value per key, bounded out-of-orderness watermarks',
  params: {
    window_size: { type: 'duration', default: '100 ms', minimum_ms: 1, explore: [50, 500], description: 'Size of the event-time window.' },
    slide: { type: 'duration', default: '0 ms', description: 'Slide of a sliding window; 0 means tumbling windows.' },
    out_of_orderness: { type: 'duration', default: '20 ms', description: 'Bounded out-of-orderness of the input and of the watermark strategy.' },
    allowed_lateness: {
      type: 'duration',
      default: '0 ms',
      description: 'How late a record may arrive after the watermark passed its window end (Flink default 0).',
    },
  },
  build: (env, params, io) =>
    windowedSumGraph(env, io.source<KeyedValue>(), io.sink<WindowSum>(), {
      window_ms: params.window_size,
      slide_ms: params.slide,
      out_of_orderness_ms: params.out_of_orderness,
      allowed_lateness_ms: params.allowed_lateness,
    }),
  input: {
    generate: ({ seed, params, workload }) =>
      windowedSumInput({
        seed,
        records: workload.records,
        partitions: workload.partitions,
        keys: workload.keys,
        out_of_orderness_ms: params.out_of_orderness,
      }),
  },
  output: { key: (result) => result.key, id: windowSumId },
  // Values keep their timestamps and partitions; only the keys are redrawn.
  rekey: (input, next_key) =>
    new Map(
      [...input].map(([topic, partitions]) => [
        topic,
        partitions.map((records) => records.map((record) => ({ ...record, value: { ...(record.value as object), key: `k${next_key()}` } }))),
      ]),
    ),
});
