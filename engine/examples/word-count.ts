// Word count: lines → words → (word, 1) → keyBy word → rolling sum; emits (word, count) for every word seen.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { Collector } from '../api/functions.js';
import { commonParams, numberParam, sinkFor, sourceFor } from './common.js';
import { emptyPartitions, keyNamer, WorkloadRandom, type TopicInput } from './workload.js';

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

export function buildWordCount(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<string>(sourceFor(params) as never, { uid: 'source', name: 'Lines' })
    .flatMap(splitWords)
    .uid('split')
    .keyBy((pair) => pair[0])
    .reduce(sumCounts)
    .uid('count')
    .sinkTo(sinkFor(params, (r) => (r as WordCount)[0]))
    .uid('sink');
}

/** Lines of `words_per_line` words from a vocabulary of `vocabulary` words, spread round-robin over partitions. */
export function wordCountInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const lines = numberParam(raw, 'records', 1000);
  const words_per_line = numberParam(raw, 'words_per_line', 5);
  const vocabulary = numberParam(raw, 'vocabulary', 50);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const word = keyNamer(raw, 'w');
  const partitions = emptyPartitions(params.partitions);
  for (let i = 0; i < lines; i++) {
    const words: string[] = [];
    for (let w = 0; w < words_per_line; w++) words.push(word(random.int(0, vocabulary - 1)));
    partitions[i % params.partitions]!.push({ value: words.join(' '), timestamp_ms: i });
  }
  return new Map([[params.topic, partitions]]);
}
