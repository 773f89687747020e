// Key skew for the workload: redraws the keys of an example job's generated input from a Zipf distribution (the
// "workload" random stream decides), keeping what each job needs — word lines stay lines, sequence-check keys keep
// gapless per-key sequences in one partition each, windowed values keep their timestamps and partitions.
import type { LogRecord } from '../../engine/connectors/log-broker.js';
import { partitionForKey } from '../../engine/examples/workload.js';
import type { Rng } from '../../sim/index.js';

/** Draws key indices 0..keys-1 with probability ∝ 1/(i+1)^exponent. */
export class ZipfKeys {
  private readonly cumulative: number[] = [];
  constructor(
    readonly keys: number,
    exponent: number,
    private readonly rng: Rng,
  ) {
    if (!(Number.isInteger(keys) && keys >= 1)) throw new Error('ZipfKeys: keys must be a whole number ≥ 1');
    let total = 0;
    for (let i = 0; i < keys; i++) {
      total += 1 / Math.pow(i + 1, exponent);
      this.cumulative.push(total);
    }
    for (let i = 0; i < keys; i++) this.cumulative[i] = (this.cumulative[i] as number) / total;
  }

  next(): number {
    const u = this.rng.next();
    let low = 0;
    let high = this.keys - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((this.cumulative[middle] as number) < u) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

type Input = Map<string, LogRecord[][]>;

/** The same records with Zipf-drawn keys (named by `key_name`, default w<i> / k<i>). Unknown jobs are returned unchanged. */
export function skew_input(job_name: string, input: Input, zipf: ZipfKeys, key_name: (prefix: string, index: number) => string = (prefix, index) => `${prefix}${index}`): Input {
  const out: Input = new Map();
  for (const [topic, partitions] of input) {
    switch (job_name) {
      case 'word_count':
        out.set(
          topic,
          partitions.map((records) =>
            records.map((record) => ({
              ...record,
              value: String(record.value)
                .split(' ')
                .map(() => key_name('w', zipf.next()))
                .join(' '),
            })),
          ),
        );
        break;
      case 'windowed_sum':
        out.set(
          topic,
          partitions.map((records) => records.map((record) => ({ ...record, value: { ...(record.value as object), key: key_name('k', zipf.next()) } }))),
        );
        break;
      case 'sequence_check': {
        // Records in their original global order (timestamp_ms is the record index), keys redrawn, sequences renumbered.
        const all = partitions.flat().sort((a, b) => a.timestamp_ms - b.timestamp_ms);
        const next_seq = new Map<string, number>();
        const skewed: LogRecord[][] = partitions.map(() => []);
        for (const record of all) {
          const key = key_name('k', zipf.next());
          const seq = next_seq.get(key) ?? 0;
          next_seq.set(key, seq + 1);
          skewed[partitionForKey(key, partitions.length)]!.push({ value: { key, seq }, timestamp_ms: record.timestamp_ms });
        }
        out.set(topic, skewed);
        break;
      }
      default:
        out.set(topic, partitions);
    }
  }
  return out;
}
