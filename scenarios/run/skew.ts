// Key skew for the workload: a Zipf distribution over key indices (the "workload" random stream decides), and the
// input with its keys redrawn from it by the job's own rekey hook (engine/api/job.ts), which keeps what the job needs.
import { input_records_map, type InputContext } from '../../engine/api/job.js';
import type { LogRecord } from '../../engine/connectors/log-broker.js';
import type { Rng } from '../../sim/index.js';
import type { JobUnderTest } from '../job-under-test.js';

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

/** The same input with Zipf-drawn keys, rewritten by the job's own rekey hook (validation refuses jobs without one). */
export function skew_input(job: JobUnderTest, input: Input, zipf: ZipfKeys, context: InputContext<unknown>): Input {
  const rekey = job.definition.rekey;
  if (rekey === undefined) throw new Error(`${job.name} does not support zipf keys (no rekey hook)`);
  return input_records_map(rekey(input, () => zipf.next(), context));
}
