// Watches committed output as it grows: for exactly-once output every key's committed records must follow the
// oracle's sequence for that key at every moment, so the first record that leaves it is the moment the property
// broke. Each record is compared once; the watch stops at the first divergence.
import { same_json } from './compare.js';

export interface OutputDivergence {
  time_ms: number;
  key: string;
  /** 1-based position in the key's oracle sequence. */
  position: number;
  /** Index of the offending record in the committed output. */
  output_index: number;
  expected: unknown;
  actual: unknown;
}

export class OutputWatch {
  first: OutputDivergence | undefined;
  private processed = 0;
  private readonly delivered = new Map<string, number>();

  constructor(
    private readonly expected_by_key: ReadonlyMap<string, readonly unknown[]>,
    private readonly key_of: (record: unknown) => string,
  ) {}

  /** Compares records committed since the last call; returns the divergence when this call found it. */
  check(output: readonly unknown[], now_ms: number): OutputDivergence | undefined {
    if (this.first !== undefined) return undefined;
    for (let index = this.processed; index < output.length; index++) {
      const record = output[index];
      const key = this.key_of(record);
      const count = this.delivered.get(key) ?? 0;
      const want = this.expected_by_key.get(key);
      this.delivered.set(key, count + 1);
      if (want !== undefined && count < want.length && same_json(want[count], record)) continue;
      this.processed = index + 1;
      this.first = { time_ms: now_ms, key, position: count + 1, output_index: index, expected: want?.[count], actual: record };
      return this.first;
    }
    this.processed = Math.max(this.processed, output.length);
    return undefined;
  }
}
