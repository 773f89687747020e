// Planted bug (test-only, a module-level edit of engine/state/key-groups.ts the search test makes with vi.mock): each
// subtask's key-group range ends one group early, as if the exclusive end had been taken for the inclusive one. The last
// group of every range but the final one is owned by no subtask, although records of its keys are routed to one.
import type { KeyGroupRange } from '../../engine/state/backend.js';

/** Flink's range with `((i + 1) · max) / p - 1` as the end (one short whenever p does not divide (i + 1) · max). */
export function off_by_one_key_group_range(max_parallelism: number, parallelism: number, operator_index: number): KeyGroupRange {
  const start = Math.floor((operator_index * max_parallelism + parallelism - 1) / parallelism);
  const end = Math.floor(((operator_index + 1) * max_parallelism) / parallelism) - 1;
  return { start, end };
}
