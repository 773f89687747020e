// Specification of seed, count and shard arguments: strict syntax, and shards that split a seed range exactly.
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { parse_seed, parse_shard, seeds_of_shard, shard_seed_range } from './args.js';
import { UsageError } from './errors.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

describe('parse_seed', () => {
  it('accepts whole numbers from 0 to 2^32 - 1', () => {
    expect(parse_seed('0')).toBe(0);
    expect(parse_seed('4294967295')).toBe(4294967295);
  });
  it.each(['-1', '1.5', 'abc', '', '4294967296', '1e3', '0x10'])('rejects %j with a usage error naming the flag', (text) => {
    expect(() => parse_seed(text)).toThrow(UsageError);
    expect(() => parse_seed(text)).toThrow(/--seed: expected a whole number/);
  });
});

describe('parse_shard', () => {
  it('reads i/n with 1 <= i <= n', () => {
    expect(parse_shard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parse_shard('1/1')).toEqual({ index: 1, count: 1 });
  });
  it.each(['0/4', '5/4', '2', '2/', '/4', 'a/b', '2/0', '1/2/3'])('rejects %j', (text) => {
    expect(() => parse_shard(text)).toThrow(UsageError);
  });
});

describe('shards', () => {
  it('split 10 seeds from 100 into 3 contiguous blocks', () => {
    expect(seeds_of_shard(100, 10, { index: 1, count: 3 })).toEqual([100, 101, 102]);
    expect(seeds_of_shard(100, 10, { index: 2, count: 3 })).toEqual([103, 104, 105]);
    expect(seeds_of_shard(100, 10, { index: 3, count: 3 })).toEqual([106, 107, 108, 109]);
  });

  test.prop([fc.nat(1_000_000), fc.integer({ min: 1, max: 2_000 }), fc.integer({ min: 1, max: 50 })], { numRuns: runs })(
    'every seed of the range belongs to exactly one shard, in order',
    (first_seed, seed_count, shard_count) => {
      const all: number[] = [];
      for (let index = 1; index <= shard_count; index++) {
        const { start, end } = shard_seed_range(first_seed, seed_count, { index, count: shard_count });
        expect(end - start).toBeGreaterThanOrEqual(Math.floor(seed_count / shard_count));
        expect(end - start).toBeLessThanOrEqual(Math.ceil(seed_count / shard_count));
        all.push(...seeds_of_shard(first_seed, seed_count, { index, count: shard_count }));
      }
      expect(all).toEqual(Array.from({ length: seed_count }, (_, i) => first_seed + i));
    },
  );
});
