// The event-time watermark up to which a keyed operator's stored state has fired its timers, per key-group range, as
// checkpoints (SubtaskState.extra) and savepoints record it. Checks read it; a restore does not start from it (a
// restored operator starts from the minimum watermark, as in Flink), it only carries it into the next snapshot.
import type { KeyGroupRange } from '../state/backend.js';
import { computeKeyGroupRangeForOperatorIndex } from '../state/key-groups.js';

/** [first key group, last key group, watermark (ms)] */
export type KeyGroupWatermark = [first: number, last: number, watermark_ms: number];

/** The part of a subtask's state that records watermarks: `{ watermark_ms, key_group_watermarks? }` in its `extra`. */
export interface WatermarkedSubtask {
  subtask_index: number;
  extra?: Record<string, unknown>;
}

/**
 * The watermark each key group of `range` had reached in the old subtasks' state: each old subtask's `watermark_ms`
 * over its own key-group range (by Flink's range formula for `subtasks.length` subtasks), and its own
 * `key_group_watermarks` where it recorded some (key groups it had restored itself and not caught up with yet).
 * Overlapping entries: the highest applies. Subtasks that recorded no watermark give none.
 */
export function keyGroupWatermarks(subtasks: readonly WatermarkedSubtask[], max_parallelism: number, range: KeyGroupRange): KeyGroupWatermark[] {
  const out: KeyGroupWatermark[] = [];
  for (const old of subtasks) {
    const watermark_ms = old.extra?.['watermark_ms'];
    if (typeof watermark_ms !== 'number') continue;
    const own = computeKeyGroupRangeForOperatorIndex(max_parallelism, subtasks.length, old.subtask_index);
    const ranges = [[own.start, own.end, watermark_ms], ...((old.extra?.['key_group_watermarks'] as KeyGroupWatermark[] | undefined) ?? [])];
    for (const [first, last, ms] of ranges as KeyGroupWatermark[]) {
      const start = Math.max(first, range.start);
      const end = Math.min(last, range.end);
      if (start <= end) out.push([start, end, ms]);
    }
  }
  return out;
}

/**
 * The `extra` a restore hands to one subtask state that holds every key group (a canonical savepoint restores all
 * keyed state through one handle): the lowest recorded watermark as its own, and every range with its watermark.
 */
export function watermarkExtraForAllKeyGroups(watermarks: readonly KeyGroupWatermark[]): Record<string, unknown> | undefined {
  if (watermarks.length === 0) return undefined;
  return { watermark_ms: Math.min(...watermarks.map(([, , ms]) => ms)), key_group_watermarks: watermarks.map((w) => [...w]) };
}
