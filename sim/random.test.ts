// Specification of Rng: seeded, exact save/restore, independent forks, sane ranges.
import { describe, expect, it } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Rng } from './random.js';
import { property_runs } from './test-support.js';

const draw = (rng: Rng, count: number): number[] => Array.from({ length: count }, () => rng.next());

describe('Rng', () => {
  it('same seed gives the same sequence; a different seed a different one', () => {
    expect(draw(new Rng(42), 20)).toEqual(draw(new Rng(42), 20));
    expect(draw(new Rng(42), 20)).not.toEqual(draw(new Rng(43), 20));
  });

  it('refuses an empty seed (never seeds from entropy)', () => {
    expect(() => new Rng('')).toThrow(/non-empty/);
  });

  test.prop([fc.integer(), fc.nat({ max: 200 }), fc.nat({ max: 50 })], { numRuns: property_runs() })(
    'save_state then from_state continues exactly where it was',
    (seed, skip, count) => {
      const rng = new Rng(seed);
      draw(rng, skip);
      const state = JSON.parse(JSON.stringify(rng.save_state())) as ReturnType<Rng['save_state']>;
      const expected = draw(rng, count);
      expect(draw(Rng.from_state(state), count)).toEqual(expected);
    },
  );

  it('forks are independent: drawing from one never shifts another or the parent', () => {
    const undisturbed_parent = new Rng(7);
    const undisturbed_network = undisturbed_parent.fork('network');
    const expected_network = draw(undisturbed_network, 10);
    const expected_parent = draw(undisturbed_parent, 10);

    const parent = new Rng(7);
    const network = parent.fork('network');
    const faults = parent.fork('faults');
    draw(faults, 1000); // heavy use of a sibling
    expect(draw(network, 10)).toEqual(expected_network);
    expect(draw(parent, 10)).toEqual(expected_parent);
    expect(network.seed).toBe('7/network');
    expect(draw(parent.fork('a'), 5)).not.toEqual(draw(parent.fork('b'), 5));
  });

  test.prop([fc.integer(), fc.integer({ min: -1000, max: 1000 }), fc.nat({ max: 1000 })], { numRuns: property_runs() })(
    'int_inclusive stays within [min, max]',
    (seed, min, width) => {
      const rng = new Rng(seed);
      for (let index = 0; index < 50; index++) {
        const value = rng.int_inclusive(min, min + width);
        expect(Number.isInteger(value) && value >= min && value <= min + width).toBe(true);
      }
    },
  );

  it('int_inclusive reaches both ends; chance(0) never, chance(1) always', () => {
    const rng = new Rng(1);
    const seen = new Set<number>();
    for (let index = 0; index < 200; index++) seen.add(rng.int_inclusive(0, 3));
    expect([...seen].sort()).toEqual([0, 1, 2, 3]);
    for (let index = 0; index < 100; index++) {
      expect(rng.chance(0)).toBe(false);
      expect(rng.chance(1)).toBe(true);
    }
    expect(() => rng.int_inclusive(3, 2)).toThrow();
  });

  it('weighted_pick follows the weights and never picks a zero weight', () => {
    const rng = new Rng(5);
    const counts = { a: 0, b: 0, c: 0 };
    for (let index = 0; index < 4000; index++) counts[rng.weighted_pick<'a' | 'b' | 'c'>([['a', 1], ['b', 3], ['c', 0]])]++;
    expect(counts.c).toBe(0);
    expect(counts.b / counts.a).toBeGreaterThan(2.4);
    expect(counts.b / counts.a).toBeLessThan(3.6);
  });

  it('shuffle_in_place permutes deterministically', () => {
    const once = new Rng(9).shuffle_in_place([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(new Rng(9).shuffle_in_place([1, 2, 3, 4, 5, 6, 7, 8])).toEqual(once);
    expect([...once].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(once).not.toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
