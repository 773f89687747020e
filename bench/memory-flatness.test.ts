// Specification of the memory-flatness measurement's arithmetic: growth is the least-squares slope of heap over seeds.
import { describe, expect, it } from 'vitest';
import { linear_slope } from './memory-flatness.js';

describe('linear_slope', () => {
  it('is the slope of a straight line through the samples', () => {
    expect(linear_slope([{ x: 100, y: 1_000 }, { x: 200, y: 3_000 }, { x: 300, y: 5_000 }])).toBe(20);
  });
  it('is zero for a flat heap, a single sample or no spread in x', () => {
    expect(linear_slope([{ x: 100, y: 7 }, { x: 200, y: 7 }])).toBe(0);
    expect(linear_slope([{ x: 100, y: 7 }])).toBe(0);
    expect(linear_slope([{ x: 100, y: 7 }, { x: 100, y: 9 }])).toBe(0);
  });
  it('sees through noise: alternating samples around a flat level have no trend', () => {
    const points = Array.from({ length: 10 }, (_, i) => ({ x: (i + 1) * 100, y: 50_000_000 + (i % 2 === 0 ? 1 : -1) * 400_000 }));
    expect(Math.abs(linear_slope(points) * 1000)).toBeLessThan(300_000);
  });
});
