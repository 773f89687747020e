// Deterministic workload generation for the example jobs: a tiny seeded PRNG (mulberry32) and helpers that lay
// records out over topic partitions. Inputs are plain data so the engine run and the oracle read the same thing.
import type { LogRecord } from '../connectors/log-broker.js';
import { javaStringHashCode } from '../state/key-groups.js';

/** mulberry32: a small, fast, seeded 32-bit generator (workload data only, never engine decisions). */
export class WorkloadRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
}

export type TopicInput = Map<string, LogRecord[][]>;

/**
 * The name of key `index`: `<prefix><index>` (w0, w1, … or k0, k1, …), or the index-th of the scenario's own key
 * names (params.key_names: unicode, colliding hash codes, keys on key-group boundaries) when it gives them.
 */
export function keyNamer(params: Record<string, unknown>, prefix: string): (index: number) => string {
  const names = params['key_names'];
  if (names === undefined) return (index) => `${prefix}${index}`;
  if (!Array.isArray(names) || names.length === 0 || !names.every((name) => typeof name === 'string' && name.length > 0)) {
    throw new Error('parameter key_names must be a non-empty list of non-empty strings');
  }
  const list = names as string[];
  return (index) => {
    const name = list[index];
    if (name === undefined) throw new Error(`key ${index} has no name: key_names lists ${list.length}`);
    return name;
  };
}

export function emptyPartitions(partitions: number): LogRecord[][] {
  return Array.from({ length: partitions }, () => []);
}

/** The partition a key's records go to when per-key order must hold (Kafka-style key partitioning). */
export function partitionForKey(key: string, partitions: number): number {
  return Math.abs(javaStringHashCode(key)) % partitions;
}

export function countRecords(input: TopicInput): number {
  let total = 0;
  for (const partitions of input.values()) for (const p of partitions) total += p.length;
  return total;
}
