// Word count: lines → words → (word, 1) → keyBy word → rolling sum; emits (word, count) for every word seen. Defined
// through the job contract (wordCountJob) and, for engine tests, as a factory over raw parameters (buildWordCount).
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { Collector, Sink, Source } from '../api/functions.js';
import { defineJob } from '../api/job.js';
import { commonParams, numberParam, sinkFor, sourceFor } from './common.js';
import { emptyPartitions, WorkloadRandom, type TopicInput } from './workload.js';

export type WordCount = [string, number];

export function splitWords(line: string, out: Collector<WordCount>): void {
  let start = 0;
  for (let i = 0; i <= line.length; i++) {
    if (i === line.length || line.charCodeAt(i) === 32) {
      if (i > start) out.collect([line.slice(start, i), 1]);
      start = i + 1;
    }
  }
}

export function sumCounts(a: WordCount, b: WordCount): WordCount {
  return [a[0], a[1] + b[1]];
}

/** The word a count belongs to: its output key and its upsert id. */
export const wordOf = (record: WordCount): string => record[0];

export function wordCountGraph(env: StreamExecutionEnvironment, source: Source<string>, sink: Sink<WordCount>): void {
  env
    .fromSource<string>(source, { uid: 'source', name: 'Lines' })
    .flatMap(splitWords)
    .uid('split')
    .keyBy((pair) => pair[0])
    .reduce(sumCounts)
    .uid('count')
    .sinkTo(sink)
    .uid('sink');
}

export function buildWordCount(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  wordCountGraph(env, sourceFor(params) as Source<string>, sinkFor(params, (r) => wordOf(r as WordCount)));
}

/** Lines of `words_per_line` words from a vocabulary of `vocabulary` words, spread round-robin over partitions. */
export function wordCountInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const lines = numberParam(raw, 'records', 1000);
  const words_per_line = numberParam(raw, 'words_per_line', 5);
  const vocabulary = numberParam(raw, 'vocabulary', 50);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const partitions = emptyPartitions(params.partitions);
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    for (let w = 0; w < words_per_line; w++) words.push(`w${random.int(0, vocabulary - 1)}`);
    partitions[i % params.partitions]!.push({ value: words.join(' '), timestamp_ms: i });
  }
  return new Map([[params.topic, partitions]]);
}

export const wordCountJob = defineJob({
  description: 'lines of words, keyed by word, counted (a counter per word); emits [word, count] per occurrence',
  params: {
    words_per_line: { type: 'integer', default: 5, minimum: 1, maximum: 64, explore: [1, 5], description: 'How many words each input line carries.' },
  },
  build: (env, _params, io) => wordCountGraph(env, io.source<string>(), io.sink<WordCount>()),
  input: {
    // A vocabulary of workload.keys words.
    generate: ({ seed, params, workload }) =>
      wordCountInput({ seed, records: workload.records, partitions: workload.partitions, vocabulary: workload.keys, words_per_line: params.words_per_line }),
  },
  output: { key: wordOf },
  // Every word of every line is redrawn; lines stay where they are.
  rekey: (input, next_key) =>
    new Map(
      [...input].map(([topic, partitions]) => [
        topic,
        partitions.map((records) =>
          records.map((record) => ({
            ...record,
            value: String(record.value)
              .split(' ')
              .map(() => `w${next_key()}`)
              .join(' '),
          })),
        ),
      ]),
    ),
});
