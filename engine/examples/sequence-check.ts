// Per-key sequence check (the idea of Flink's SemanticsCheckMapper): records carry (key, seq); keyed state keeps the
// last sequence number per key; every record is emitted with a verdict: ok, gap or duplicate.
import type { StreamExecutionEnvironment } from '../api/environment.js';
import type { LogRecord } from '../connectors/log-broker.js';
import type { KeyedProcessFunction, RuntimeContext } from '../api/functions.js';
import type { ValueState } from '../state/keyed-state.js';
import { commonParams, numberParam, sinkFor, sourceFor } from './common.js';
import { emptyPartitions, keyNamer, partitionForKey, WorkloadRandom, type TopicInput } from './workload.js';

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

export function buildSequenceCheck(env: StreamExecutionEnvironment, raw: Record<string, unknown>): void {
  const params = commonParams(raw);
  env
    .fromSource<SequencedRecord>(sourceFor(params) as never, { uid: 'source', name: 'Sequences' })
    .keyBy((record) => record.key)
    .process(sequenceChecker)
    .uid('check')
    .sinkTo(sinkFor(params, (r) => `${(r as SequenceVerdict).key}/${(r as SequenceVerdict).seq}`))
    .uid('sink');
}

/** `keys` keys each counting 0, 1, 2, …; a key's records all go to one partition, interleaved at random. */
export function sequenceCheckInput(raw: Record<string, unknown>): TopicInput {
  const params = commonParams(raw);
  const records = numberParam(raw, 'records', 1000);
  const keys = numberParam(raw, 'keys', 20);
  const random = new WorkloadRandom(numberParam(raw, 'seed', 1));
  const name_of = keyNamer(raw, 'k');
  const next_seq = new Array<number>(keys).fill(0);
  const partitions = emptyPartitions(params.partitions);
  // Each key's name and partition, worked out at its first record rather than at every record.
  const key_names = new Array<string | undefined>(keys);
  const key_partitions = new Array<LogRecord[]>(keys);
  for (let i = 0; i < records; i++) {
    const k = random.int(0, keys - 1);
    let key = key_names[k];
    if (key === undefined) {
      key = name_of(k);
      key_names[k] = key;
      key_partitions[k] = partitions[partitionForKey(key, params.partitions)]!;
    }
    key_partitions[k]!.push({ value: { key, seq: next_seq[k]!++ }, timestamp_ms: i });
  }
  return new Map([[params.topic, partitions]]);
}
