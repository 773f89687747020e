// Per-key sequence check (the idea of Flink's SemanticsCheckMapper): records carry (key, seq); keyed state keeps the
// last sequence number per key; every record is emitted with a verdict: ok, gap or duplicate. Defined through the job
// contract (sequenceCheckJob) and, for engine tests, as a factory over raw parameters (buildSequenceCheck).
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { LogRecord } from '../connectors/log-broker.js';
import type { KeyedProcessFunction, RuntimeContext, Sink, Source } from '../api/functions.js';
import { defineJob } from '../api/job.js';
import type { ValueState } from '../state/keyed-state.js';
import { commonParams, numberParam, sinkFor, sourceFor } from './common.js';
import { emptyPartitions, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';

export interface SequencedRecord {
  key: string;
  seq: number;
}

export interface SequenceVerdict {
  key: string;
  seq: number;
  expected: number;
  verdict: 'ok' | 'gap' | 'duplicate';
}

interface SequenceChecker extends KeyedProcessFunction<string, SequencedRecord, SequenceVerdict> {
  last_seq: ValueState<number>;
}

export const sequenceChecker: SequenceChecker = {
  last_seq: undefined as unknown as ValueState<number>,
  open(ctx: RuntimeContext) {
    this.last_seq = ctx.getState<number>('last_seq');
  },
  processElement(record, _ctx, out) {
    const last = this.last_seq.value() ?? -1;
    const expected = last + 1;
    const verdict = record.seq === expected ? 'ok' : record.seq < expected ? 'duplicate' : 'gap';
    if (record.seq > last) this.last_seq.update(record.seq);
    out.collect({ key: record.key, seq: record.seq, expected, verdict });
  },
};

/** A verdict's upsert id: one per (key, sequence number). */
export const verdictId = (verdict: SequenceVerdict): string => `${verdict.key}/${verdict.seq}`;

export function sequenceCheckGraph(env: StreamExecutionEnvironment, source: Source<SequencedRecord>, sink: Sink<SequenceVerdict>): void {
  env
    .fromSource<SequencedRecord>(source, { uid: 'source', name: 'Sequences' })
    .keyBy((record) => record.key)
    .process(sequenceChecker)
    .uid('check')
    .sinkTo(sink)
    .uid('sink');
}

export function buildSequenceCheck(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  sequenceCheckGraph(env, sourceFor(params) as Source<SequencedRecord>, sinkFor(params, (r) => verdictId(r as SequenceVerdict)));
}

/** `keys` keys each counting 0, 1, 2, …; a key's records all go to one partition, interleaved at random. */
export function sequenceCheckInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const records = numberParam(raw, 'records', 1000);
  const keys = numberParam(raw, 'keys', 20);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const next_seq = new Array<number>(keys).fill(0);
  const partitions = emptyPartitions(params.partitions);
  // Each key's name and partition, worked out at its first record rather than at every record.
  const key_names = new Array<string | undefined>(keys);
  const key_partitions = new Array<LogRecord[]>(keys);
  for (let i = 0; i < records; i++) {
    const k = random.int(0, keys - 1);
    let key = key_names[k];
    if (key === undefined) {
      key = `k${k}`;
      key_names[k] = key;
      key_partitions[k] = partitions[partitionForKey(key, params.partitions)]!;
    }
    key_partitions[k]!.push({ value: { key, seq: next_seq[k]!++ }, timestamp_ms: i });
  }
  return new Map([[params.topic, partitions]]);
}

export const sequenceCheckJob = defineJob({
  description: 'per-key gapless sequence numbers checked in keyed state; emits a verdict (ok, gap, duplicate) per record',
  build: (env, _params, io) => sequenceCheckGraph(env, io.source<SequencedRecord>(), io.sink<SequenceVerdict>()),
  input: {
    generate: ({ seed, workload }) => sequenceCheckInput({ seed, records: workload.records, partitions: workload.partitions, keys: workload.keys }),
  },
  output: { key: (verdict) => verdict.key, id: verdictId },
  // Records keep their global order (timestamp_ms is the record index); keys are redrawn and sequences renumbered, and
  // each key's records go to its one partition.
  rekey: (input, next_key) =>
    new Map(
      [...input].map(([topic, partitions]) => {
        const all = partitions.flat().sort((a, b) => a.timestamp_ms - b.timestamp_ms);
        const next_seq = new Map<string, number>();
        const skewed: LogRecord[][] = partitions.map(() => []);
        for (const record of all) {
          const key = `k${next_key()}`;
          const seq = next_seq.get(key) ?? 0;
          next_seq.set(key, seq + 1);
          skewed[partitionForKey(key, partitions.length)]!.push({ value: { key, seq }, timestamp_ms: record.timestamp_ms });
        }
        return [topic, skewed] as const;
      }),
    ),
});
