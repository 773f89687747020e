// Specification of the chart helpers: nice ticks cover the data, scales map linearly, numbers stay compact.
import { describe, expect, it } from 'vitest';
import { format_number, linear_scale, nice_ticks } from './common.js';

describe('nice_ticks', () => {
  it('covers the data with round steps', () => {
    expect(nice_ticks(0, 4_380)).toEqual({ ticks: [0, 1000, 2000, 3000, 4000, 5000], low: 0, high: 5000 });
    expect(nice_ticks(0, 59, 8).ticks).toEqual([0, 10, 20, 30, 40, 50, 60]);
    expect(nice_ticks(0.1, 0.9).ticks).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });

  it('widens a single value or an all-zero range instead of dividing by zero', () => {
    expect(nice_ticks(0, 0)).toEqual({ ticks: [0, 1], low: 0, high: 1 });
    const around_ten = nice_ticks(10, 10);
    expect(around_ten.low).toBeLessThan(10);
    expect(around_ten.high).toBeGreaterThan(10);
  });
});

describe('linear_scale', () => {
  it('maps the domain onto the range, inverted ranges included (SVG y grows downwards)', () => {
    const y = linear_scale(0, 100, 200, 0);
    expect(y(0)).toBe(200);
    expect(y(25)).toBe(150);
    expect(y(100)).toBe(0);
  });
});

describe('format_number', () => {
  it.each([
    [0, '0'],
    [1234, '1234'],
    [12_500, '12.5k'],
    [3_400_000, '3.4M'],
    [2_000_000_000, '2G'],
    [0.25, '0.25'],
    [12.34, '12.3'],
  ])('%d → %s', (value, text) => {
    expect(format_number(value)).toBe(text);
  });
});
