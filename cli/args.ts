// Parsing and arithmetic of CLI arguments: seeds, counts, shards (`i/n`, 1-based) and the seeds a shard runs.
// Shards split a seed range into contiguous blocks, so the same (first seed, count, shard) always means the same seeds.
import { UsageError } from './errors.js';

export const MAX_SEED = 4294967295;
/** Results are held in memory for the summary and reports: split bigger ranges with --shard. */
export const MAX_SWARM_SEEDS = 100_000;
export const MAX_SHARDS = 100_000;

function parse_whole(text: string, what: string, minimum: number, maximum: number): number {
  if (!/^[0-9]+$/.test(text.trim())) {
    throw new UsageError(`${what}: expected a whole number from ${minimum} to ${maximum}, got ${JSON.stringify(text)}`);
  }
  const value = Number(text.trim());
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum) {
    throw new UsageError(`${what}: expected a whole number from ${minimum} to ${maximum}, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function parse_seed(text: string, what = '--seed'): number {
  return parse_whole(text, what, 0, MAX_SEED);
}

export function parse_count(text: string, what: string, minimum = 1, maximum = MAX_SWARM_SEEDS): number {
  return parse_whole(text, what, minimum, maximum);
}

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parse_shard(text: string): Shard {
  const match = /^\s*([0-9]+)\/([0-9]+)\s*$/.exec(text);
  if (match === null) throw new UsageError(`--shard: expected i/n such as 2/4 (shard i of n, 1 ≤ i ≤ n), got ${JSON.stringify(text)}`);
  const count = parse_whole(match[2] ?? '', '--shard n', 1, MAX_SHARDS);
  const index = parse_whole(match[1] ?? '', '--shard i', 1, count);
  return { index, count };
}

/** The contiguous block of [first_seed, first_seed + seed_count) that shard i of n runs: [start, end). */
export function shard_seed_range(first_seed: number, seed_count: number, shard: Shard): { start: number; end: number } {
  if (!(shard.index >= 1 && shard.index <= shard.count)) throw new Error(`invalid shard ${shard.index}/${shard.count}`);
  const start = first_seed + Math.floor(((shard.index - 1) * seed_count) / shard.count);
  const end = first_seed + Math.floor((shard.index * seed_count) / shard.count);
  return { start, end };
}

export function seeds_of_shard(first_seed: number, seed_count: number, shard: Shard = { index: 1, count: 1 }): number[] {
  const { start, end } = shard_seed_range(first_seed, seed_count, shard);
  if (end - 1 > MAX_SEED) throw new UsageError(`--first-seed + --seeds goes beyond the largest seed ${MAX_SEED}`);
  const seeds: number[] = [];
  for (let seed = start; seed < end; seed++) seeds.push(seed);
  return seeds;
}
