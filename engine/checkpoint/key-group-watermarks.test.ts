// Specification of the per-key-group watermarks a snapshot carries into a restore: for every key group of the
// restored range, exactly the watermarks the old subtasks recorded for it (its owner's own watermark by Flink's range
// formula, and the ranges a subtask recorded for key groups it had restored itself), and nothing outside the range.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { type KeyGroupWatermark, type WatermarkedSubtask, keyGroupWatermarks, watermarkExtraForAllKeyGroups } from './key-group-watermarks.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 200);

/** The old operator: max parallelism, its subtasks (some recorded no watermark), and the range being restored. */
const case_arb = fc.integer({ min: 1, max: 24 }).chain((max_parallelism) =>
  fc.record({
    max_parallelism: fc.constant(max_parallelism),
    subtasks: fc.integer({ min: 1, max: max_parallelism }).chain((parallelism) =>
      fc.array(
        fc.record({
          watermark_ms: fc.option(fc.integer({ min: -5, max: 1000 }), { nil: undefined }),
          recorded: fc.option(fc.array(fc.tuple(fc.nat(max_parallelism - 1), fc.nat(max_parallelism - 1), fc.integer({ min: -5, max: 1000 })).map(([a, b, ms]): KeyGroupWatermark => [Math.min(a, b), Math.max(a, b), ms]), { maxLength: 3 }), { nil: undefined }),
        }),
        { minLength: parallelism, maxLength: parallelism },
      )),
    range: fc.tuple(fc.nat(max_parallelism - 1), fc.nat(max_parallelism - 1)).map(([a, b]) => ({ start: Math.min(a, b), end: Math.max(a, b) })),
  }));

function subtasks_of(drawn: { watermark_ms: number | undefined; recorded: KeyGroupWatermark[] | undefined }[]): WatermarkedSubtask[] {
  return drawn.map((d, subtask_index) => {
    const extra: Record<string, unknown> = {};
    if (d.watermark_ms !== undefined) extra['watermark_ms'] = d.watermark_ms;
    if (d.recorded !== undefined) extra['key_group_watermarks'] = d.recorded;
    return { subtask_index, extra };
  });
}

/** Flink's KeyGroupRangeAssignment: does subtask `index` of `parallelism` own key group `g`? */
function owns(max_parallelism: number, parallelism: number, index: number, g: number): boolean {
  return Math.floor((g * parallelism) / max_parallelism) === index;
}

describe('keyGroupWatermarks', () => {
  it('gives each key group of the range exactly the watermarks recorded for it, and nothing outside the range', () => {
    fc.assert(
      fc.property(case_arb, ({ max_parallelism, subtasks: drawn, range }) => {
        const out = keyGroupWatermarks(subtasks_of(drawn), max_parallelism, range);
        for (const [first, last] of out) {
          expect(first).toBeLessThanOrEqual(last);
          expect(first).toBeGreaterThanOrEqual(range.start);
          expect(last).toBeLessThanOrEqual(range.end);
        }
        for (let g = 0; g < max_parallelism; g++) {
          const got = out.filter(([first, last]) => first <= g && g <= last).map(([, , ms]) => ms).sort((a, b) => a - b);
          const expected: number[] = [];
          if (g >= range.start && g <= range.end) {
            drawn.forEach((d, index) => {
              if (d.watermark_ms === undefined) return;
              if (owns(max_parallelism, drawn.length, index, g)) expected.push(d.watermark_ms);
              for (const [first, last, ms] of d.recorded ?? []) if (first <= g && g <= last) expected.push(ms);
            });
          }
          expect(got, `key group ${g}`).toEqual(expected.sort((a, b) => a - b));
        }
      }),
      { numRuns: runs, seed: 19 },
    );
  });

  it('ignores subtasks without a watermark, also when they recorded ranges', () => {
    const subtasks = [{ subtask_index: 0, extra: { key_group_watermarks: [[0, 3, 50]] } }, { subtask_index: 1 }];
    expect(keyGroupWatermarks(subtasks, 8, { start: 0, end: 7 })).toEqual([]);
  });
});

describe('watermarkExtraForAllKeyGroups', () => {
  it('takes the lowest watermark as its own and keeps every range (copies, not the inputs)', () => {
    expect(watermarkExtraForAllKeyGroups([])).toBeUndefined();
    const input: KeyGroupWatermark[] = [[0, 3, 700], [4, 7, 200], [2, 5, 900]];
    const extra = watermarkExtraForAllKeyGroups(input);
    expect(extra).toEqual({ watermark_ms: 200, key_group_watermarks: [[0, 3, 700], [4, 7, 200], [2, 5, 900]] });
    (extra?.['key_group_watermarks'] as KeyGroupWatermark[])[0]![2] = 1;
    expect(input[0]).toEqual([0, 3, 700]);
  });
});
