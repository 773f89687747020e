// Specification of operator list state redistribution on restore (even-split and union).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redistributeOperatorListState } from './operator-state.js';

const runs = Number(process.env.STREAMSIM_PROPERTY_RUNS ?? 30);

describe('operator list state redistribution', () => {
  it('even-split deals contiguous chunks, the first ones one larger', () => {
    expect(redistributeOperatorListState([[1, 2], [3], [4, 5]], 2, 'split')).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('union gives every subtask every entry', () => {
    expect(redistributeOperatorListState([[1], [2]], 3, 'union')).toEqual([
      [1, 2],
      [1, 2],
      [1, 2],
    ]);
  });

  it('even-split keeps every entry exactly once, in order, with sizes differing by at most one', () => {
    fc.assert(
      fc.property(fc.array(fc.array(fc.nat(), { maxLength: 6 }), { maxLength: 6 }), fc.integer({ min: 1, max: 8 }), (old, p) => {
        const result = redistributeOperatorListState(old, p, 'split');
        const sizes = result.map((r) => r.length);
        return (
          result.length === p &&
          JSON.stringify(result.flat()) === JSON.stringify(old.flat()) &&
          Math.max(...sizes) - Math.min(...sizes) <= 1
        );
      }),
      { numRuns: runs },
    );
  });
});
