// Operator (non-keyed) list state for sources and sinks, and Flink's redistribution modes on restore: even-split
// (entries of all old subtasks are concatenated and dealt out in contiguous, even chunks), union (every new subtask
// receives every entry) and broadcast (new subtask i receives old subtask i mod old-parallelism's copy).

export type OperatorStateMode = 'split' | 'union' | 'broadcast';

/** One named list state of one operator subtask. */
export class OperatorListState<T> {
  private items: T[] = [];

  constructor(
    readonly name: string,
    readonly mode: OperatorStateMode,
  ) {}

  get(): readonly T[] {
    return this.items;
  }

  update(values: readonly T[]): void {
    this.items = [...values];
  }

  add(value: T): void {
    this.items.push(value);
  }

  clear(): void {
    this.items = [];
  }
}

/**
 * Redistributes one list state from `old_states` (one list per old subtask, in subtask order) to `new_parallelism`
 * subtasks. Split: subtask i gets a contiguous chunk; the first (total % p) subtasks get one more entry.
 */
export function redistributeOperatorListState<T>(
  old_states: readonly (readonly T[])[],
  new_parallelism: number,
  mode: OperatorStateMode,
): T[][] {
  if (!Number.isInteger(new_parallelism) || new_parallelism < 1) throw new Error('new parallelism must be ≥ 1');
  const all: T[] = [];
  for (const list of old_states) all.push(...list);
  if (mode === 'union') return Array.from({ length: new_parallelism }, () => [...all]);
  // Flink's RoundRobinOperatorStateRepartitioner.repartitionBroadcastState: each subtask's copy is complete.
  if (mode === 'broadcast') return Array.from({ length: new_parallelism }, (_, i) => [...(old_states[i % old_states.length] ?? [])]);
  const base = Math.floor(all.length / new_parallelism);
  const extra = all.length % new_parallelism;
  const result: T[][] = [];
  let offset = 0;
  for (let i = 0; i < new_parallelism; i++) {
    const size = base + (i < extra ? 1 : 0);
    result.push(all.slice(offset, offset + size));
    offset += size;
  }
  return result;
}
