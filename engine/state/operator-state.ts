// Operator (non-keyed) list state for sources, sinks and user functions, and Flink's redistribution on restore
// (RoundRobinOperatorStateRepartitioner): with the parallelism unchanged even-split state stays where it was; else
// the entries of all old subtasks are concatenated and dealt out in contiguous, even chunks. Union state gives every
// new subtask every entry; broadcast state gives new subtask i old subtask (i mod old parallelism)'s full copy.

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

  addAll(values: readonly T[]): void {
    for (const value of values) this.items.push(value); // no spread: a long list would overflow the stack
  }

  clear(): void {
    this.items = [];
  }
}

/**
 * Deals one list state from `old_states` (one list per old subtask, in subtask order) out to `new_parallelism`
 * subtasks. Split: contiguous chunks in concatenation order, starting at subtask `start` and wrapping around; the
 * first (total % p) chunks get one more entry. Union: every subtask gets every entry.
 */
export function redistributeOperatorListState<T>(
  old_states: readonly (readonly T[])[],
  new_parallelism: number,
  mode: OperatorStateMode,
  start = 0,
): T[][] {
  return dealListState(old_states, new_parallelism, mode, start).lists;
}

function dealListState<T>(
  old_states: readonly (readonly T[])[],
  new_parallelism: number,
  mode: OperatorStateMode,
  start: number,
): { lists: T[][]; next_start: number } {
  if (!Number.isInteger(new_parallelism) || new_parallelism < 1) throw new Error('new parallelism must be ≥ 1');
  const all: T[] = [];
  for (const list of old_states) for (const item of list) all.push(item);
  if (mode === 'union') return { lists: Array.from({ length: new_parallelism }, () => [...all]), next_start: start };
  // Flink's repartitionBroadcastState: every old copy is complete, new subtask i takes old subtask i mod p's.
  if (mode === 'broadcast') return { lists: Array.from({ length: new_parallelism }, (_, i) => [...(old_states[i % old_states.length] ?? [])]), next_start: start };
  const base = Math.floor(all.length / new_parallelism);
  let remainder = all.length % new_parallelism;
  const lists: T[][] = Array.from({ length: new_parallelism }, () => []);
  let next_start = start;
  let offset = 0;
  for (let i = 0; i < new_parallelism; i++) {
    const index = (i + start) % new_parallelism;
    let size = base;
    if (remainder > 0) {
      size++;
      remainder--;
    } else if (remainder === 0) {
      // Out of odd entries: the next named state starts its round here (Flink's fair load balance).
      next_start = index;
      remainder--;
    }
    lists[index] = all.slice(offset, offset + size);
    offset += size;
  }
  return { lists, next_start };
}

/** One named list state of an operator as checkpointed: one list per old subtask (index = old subtask index). */
export interface NamedListState {
  name: string;
  mode: OperatorStateMode;
  lists: readonly (readonly unknown[])[];
}

/**
 * Flink's RoundRobinOperatorStateRepartitioner for all list states of one operator. With an unchanged parallelism,
 * even-split state stays in place (subtask i gets back exactly what subtask i wrote) and union state is unioned.
 * Otherwise split states are dealt out one after another (in name order), each starting where the previous one's
 * odd entries ran out. Returns name → lists for the new subtasks.
 */
export function redistributeOperatorState(states: readonly NamedListState[], old_parallelism: number, new_parallelism: number): Map<string, unknown[][]> {
  const result = new Map<string, unknown[][]>();
  let start = 0;
  for (const state of [...states].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    if (state.lists.length > old_parallelism) throw new Error(`operator state ${state.name} has ${state.lists.length} lists for parallelism ${old_parallelism}`);
    if (state.mode === 'split' && old_parallelism === new_parallelism) {
      result.set(state.name, Array.from({ length: new_parallelism }, (_, i) => [...(state.lists[i] ?? [])]));
      continue;
    }
    const dealt = dealListState(state.lists, new_parallelism, state.mode, start);
    if (state.mode === 'split') start = dealt.next_start;
    result.set(state.name, dealt.lists);
  }
  return result;
}
