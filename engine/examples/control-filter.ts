// Flink's training "ControlFunction": a control stream of words connected with a stream of words, keyed by word; a
// keyed CoFlatMap marks a word blocked when it comes on the control stream and passes a data word on only while its
// word is not blocked. What passes depends on how the two inputs interleave: a word's data before its block passes.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { CoFlatMapFunction } from '../api/co-functions.js';
import type { RuntimeContext, Sink, Source } from '../api/functions.js';
import { defineJob } from '../api/job.js';
import { ValueStateDescriptor } from '../api/state-descriptors.js';
import type { TopicConfig } from '../connectors/log-broker.js';
import { LogSource } from '../connectors/log-source.js';
import type { ValueState } from '../state/keyed-state.js';
import { commonParams, numberParam, sinkFor } from './common.js';
import { emptyPartitions, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';

export interface WordRecord {
  id: string;
  word: string;
}

interface ControlFunction extends CoFlatMapFunction<string, WordRecord, WordRecord> {
  blocked: ValueState<boolean>;
}

const BLOCKED = new ValueStateDescriptor<boolean>('blocked');

export const controlFunction: ControlFunction = {
  blocked: undefined as unknown as ValueState<boolean>,
  open(ctx: RuntimeContext) {
    this.blocked = ctx.getState(BLOCKED);
  },
  flatMap1(_control_word, _out) {
    this.blocked.update(true);
  },
  flatMap2(data, out) {
    if (this.blocked.value() !== true) out.collect(data);
  },
};

export function controlFilterTopics(raw: Record<string, unknown>): TopicConfig[] {
  const { partitions } = commonParams(raw);
  return [
    { name: 'control', partitions: 1 },
    { name: 'words', partitions },
  ];
}

/** The dataflow over any control and data source and a sink (the built-in job and the engine tests both build it). */
export function controlFilterGraph(env: StreamExecutionEnvironment, sources: { control: Source<string>; words: Source<WordRecord> }, sink: Sink<WordRecord>): void {
  const control = env.fromSource<string>(sources.control, { uid: 'control', name: 'Control' });
  const words = env.fromSource<WordRecord>(sources.words, { uid: 'words', name: 'Words' });
  control
    .connect(words)
    .keyBy(
      (word) => word,
      (record) => record.word,
    )
    .flatMap(controlFunction)
    .uid('control-filter')
    .sinkTo(sink)
    .uid('sink');
}

export function buildControlFilter(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  const source = (topic: string, partitions: number) => new LogSource({ broker: params.broker, topic, partitions, bounded: params.bounded }) as never;
  controlFilterGraph(env, { control: source('control', 1), words: source('words', params.partitions) }, sinkFor(params, (r) => (r as WordRecord).id));
}

/** `records` words from a vocabulary of `keys` (a word's records in one partition); a third of the words get blocked. */
export function controlFilterInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const records = numberParam(raw, 'records', 600);
  const vocabulary = numberParam(raw, 'keys', 18);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const words = emptyPartitions(params.partitions);
  for (let i = 0; i < records; i++) {
    const word = `w${random.int(0, vocabulary - 1)}`;
    words[partitionForKey(word, params.partitions)]!.push({ value: { id: `d${i}`, word } satisfies WordRecord, timestamp_ms: i });
  }
  const control = Array.from({ length: vocabulary }, (_, w) => `w${w}`)
    .filter(() => random.int(0, 2) === 0)
    .map((word, i) => ({ value: word, timestamp_ms: i }));
  return new Map([
    ['control', [control]],
    ['words', words],
  ]);
}

export const controlFilterJob = defineJob({
  description: "Flink's ControlFunction: control words connected with data words, keyed by word; a keyed CoFlatMap passes a data word only while its word is not blocked (the result depends on how the two inputs interleave)",
  params: {},
  build: (env, _params, io) => controlFilterGraph(env, { control: io.source<string>('control'), words: io.source<WordRecord>('words') }, io.sink<WordRecord>()),
  input: {
    generate: ({ seed, workload }) => controlFilterInput({ seed, records: workload.records, keys: workload.keys, partitions: workload.partitions }),
  },
  output: { key: (record: WordRecord) => record.word, id: (record: WordRecord) => record.id },
});
