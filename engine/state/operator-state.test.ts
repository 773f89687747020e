// Specification of operator list state redistribution on restore (even-split and union).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { OperatorListState, redistributeOperatorListState, redistributeOperatorState } from './operator-state.js';

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

  it('with the parallelism unchanged, even-split state stays with the subtask that wrote it; union state is unioned', () => {
    const result = redistributeOperatorState(
      [
        { name: 'buffer', mode: 'split', lists: [[1, 2, 3, 4], [], [5]] },
        { name: 'seen', mode: 'union', lists: [['a'], ['b'], []] },
      ],
      3,
      3,
    );
    expect(result.get('buffer')).toEqual([[1, 2, 3, 4], [], [5]]);
    expect(result.get('seen')).toEqual([['a', 'b'], ['a', 'b'], ['a', 'b']]);
  });

  it('on rescale, each further split state starts its round where the previous one ran out of odd entries', () => {
    // Flink's RoundRobinOperatorStateRepartitioner: "a" (5 entries over 3) gives 2,2,1 starting at subtask 0, so "b"
    // (4 entries) starts at subtask 2: subtask 2 gets 2 entries, then 0 and 1 get one each.
    const result = redistributeOperatorState(
      [
        { name: 'b', mode: 'split', lists: [[10, 11], [12, 13]] },
        { name: 'a', mode: 'split', lists: [[1, 2, 3], [4, 5]] },
      ],
      2,
      3,
    );
    expect(result.get('a')).toEqual([[1, 2], [3, 4], [5]]);
    expect(result.get('b')).toEqual([[12], [13], [10, 11]]);
  });

  it('every redistribution keeps each entry exactly once (split) or everywhere (union), for any parallelisms', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.nat(), { maxLength: 5 }), { minLength: 1, maxLength: 5 }),
        fc.integer({ min: 1, max: 6 }),
        fc.constantFrom('split' as const, 'union' as const),
        (lists, p, mode) => {
          const result = redistributeOperatorState([{ name: 's', mode, lists }], lists.length, p).get('s')!;
          if (result.length !== p) return false;
          if (mode === 'union') return result.every((r) => JSON.stringify(r) === JSON.stringify(lists.flat()));
          const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
          if (p === lists.length) return JSON.stringify(result) === JSON.stringify(lists);
          const sizes = result.map((r) => r.length);
          return JSON.stringify(sorted(result.flat() as number[])) === JSON.stringify(sorted(lists.flat())) && Math.max(...sizes) - Math.min(...sizes) <= 1;
        },
      ),
      { numRuns: runs },
    );
  });

  it('holds and redistributes a list longer than a call may take arguments (no stack overflow)', () => {
    const long = Array.from({ length: 500_000 }, (_, i) => i);
    const state = new OperatorListState<number>('offsets', 'split');
    state.addAll(long);
    expect(state.get()).toHaveLength(500_000);
    const dealt = redistributeOperatorListState([long, long], 3, 'split');
    expect(dealt.map((list) => list.length)).toEqual([333_334, 333_333, 333_333]);
  });
});

describe('operator state: broadcast copies, bounds and the list itself', () => {
  it('broadcast state: new subtask i gets old subtask (i mod old parallelism)\'s full copy (Flink repartitionBroadcastState)', () => {
    expect(redistributeOperatorListState([['r1', 'r2'], ['r1', 'r2', 'r3']], 5, 'broadcast')).toEqual([
      ['r1', 'r2'], ['r1', 'r2', 'r3'], ['r1', 'r2'], ['r1', 'r2', 'r3'], ['r1', 'r2'],
    ]);
    const result = redistributeOperatorState([{ name: 'rules', mode: 'broadcast', lists: [['x'], ['y']] }], 2, 1);
    expect(result.get('rules')).toEqual([['x']]);
  });

  it('a split state after one whose odd entries ran out early starts right after them', () => {
    // "a": 4 entries over 3 subtasks gives 2,1,1; its odd entry ran out after subtask 0, so "b" starts at subtask 1.
    const result = redistributeOperatorState(
      [
        { name: 'a', mode: 'split', lists: [[1, 2], [3, 4]] },
        { name: 'b', mode: 'split', lists: [[10, 11], [12, 13]] },
      ],
      2,
      3,
    );
    expect(result.get('a')).toEqual([[1, 2], [3], [4]]);
    expect(result.get('b')).toEqual([[13], [10, 11], [12]]);
  });

  it('refuses a new parallelism below 1 and a state with more lists than the old parallelism', () => {
    expect(() => redistributeOperatorListState([[1]], 0, 'split')).toThrow('new parallelism must be ≥ 1');
    expect(() => redistributeOperatorListState([[1]], 1.5, 'union')).toThrow('new parallelism must be ≥ 1');
    expect(() => redistributeOperatorState([{ name: 'offsets', mode: 'split', lists: [[1], [2], [3]] }], 2, 2)).toThrow('operator state offsets has 3 lists for parallelism 2');
  });

  it('a list state adds, replaces and clears its entries', () => {
    const state = new OperatorListState<number>('offsets', 'split');
    state.add(1);
    state.addAll([2, 3]);
    expect(state.get()).toEqual([1, 2, 3]);
    state.update([9]);
    expect(state.get()).toEqual([9]);
    state.clear();
    expect(state.get()).toEqual([]);
  });
});
