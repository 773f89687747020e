// Planning a restore from a savepoint into a job that may have another parallelism: operator uid → new subtasks,
// key groups by Flink's range formula, list state even-split or union, and clear errors for a mismatched savepoint.
import type { ListStateDistribution, MasterState } from '../checkpoint/metadata.js';
import type { KeyGroupRange, StateEntry } from '../state/backend.js';
import type { Savepoint } from './format.js';

/** What the restore needs to know about the new job. */
export interface JobDescription {
  /**
   * `max_parallelism_configured` false (derived from the operator's parallelism): the restore adopts the savepoint's
   * max parallelism, as Flink does for a max parallelism that was not set (canRescaleMaxParallelism).
   */
  operators: { uid: string; parallelism: number; max_parallelism: number; max_parallelism_configured?: boolean }[];
}

export interface RestoreOptions {
  /** Skip savepoint state whose operator uid the job does not have (Flink's --allowNonRestoredState). */
  allow_non_restored_state: boolean;
}

export interface SubtaskRestore {
  subtask_index: number;
  key_group_range: KeyGroupRange;
  /** The keyed entries of this subtask's key groups, in canonical order. */
  keyed: StateEntry[];
  list_states: { name: string; mode: ListStateDistribution; entries: unknown[] }[];
}

export interface OperatorRestore {
  uid: string;
  parallelism: number;
  max_parallelism: number;
  /** False for an operator of the job that the savepoint has no state for (it starts empty). */
  has_state: boolean;
  subtasks: SubtaskRestore[];
}

export interface RestorePlan {
  restored_checkpoint_id: number;
  /** Flink: a restore sets the checkpoint id counter to savepoint id + 1. */
  next_checkpoint_id: number;
  operators: OperatorRestore[];
  master_states: MasterState[];
  /** Savepoint operator uids skipped under allow_non_restored_state. */
  non_restored: string[];
  /** Operators whose derived max parallelism gave way to the savepoint's (uid → the savepoint's max parallelism). */
  adopted_max_parallelism: Record<string, number>;
}

export type PlanRestoreError =
  | { kind: 'max_parallelism_mismatch'; uid: string; savepoint_max_parallelism: number; job_max_parallelism: number }
  | { kind: 'max_parallelism_below_parallelism'; uid: string; savepoint_max_parallelism: number; job_parallelism: number }
  | { kind: 'unmatched_operator_state'; uids: string[] }
  | { kind: 'invalid_job'; uid: string; reason: string };

export type PlanRestoreResult = { ok: true; plan: RestorePlan } | { ok: false; error: PlanRestoreError; message: string };

/** Flink's KeyGroupRangeAssignment.computeKeyGroupRangeForOperatorIndex. */
export function key_group_range(max_parallelism: number, parallelism: number, subtask_index: number): KeyGroupRange {
  return {
    start: Math.floor((subtask_index * max_parallelism + parallelism - 1) / parallelism),
    end: Math.floor(((subtask_index + 1) * max_parallelism - 1) / parallelism),
  };
}

/** Flink's computeOperatorIndexForKeyGroup. */
export function subtask_for_key_group(max_parallelism: number, parallelism: number, key_group: number): number {
  return Math.floor((key_group * parallelism) / max_parallelism);
}

/** Even split: entries of all old subtasks concatenated, dealt out in contiguous chunks, the first ones one larger. */
export function even_split<T>(all: readonly T[], parallelism: number): T[][] {
  const base = Math.floor(all.length / parallelism);
  const extra = all.length % parallelism;
  const out: T[][] = [];
  let offset = 0;
  for (let i = 0; i < parallelism; i++) {
    const size = base + (i < extra ? 1 : 0);
    out.push(all.slice(offset, offset + size));
    offset += size;
  }
  return out;
}

/** Pure: reads the savepoint, never changes it; the plan shares no arrays with it. */
export function plan_restore(savepoint: Savepoint, job: JobDescription, options: RestoreOptions): PlanRestoreResult {
  const job_ops = new Map(job.operators.map((op) => [op.uid, op]));
  for (const op of job.operators) {
    if (!(Number.isInteger(op.parallelism) && op.parallelism >= 1 && op.parallelism <= op.max_parallelism)) {
      const reason = `parallelism ${op.parallelism} must be in 1..max_parallelism ${op.max_parallelism}`;
      return { ok: false, error: { kind: 'invalid_job', uid: op.uid, reason }, message: `cannot restore: operator "${op.uid}": ${reason}` };
    }
  }
  const unmatched = savepoint.operators.filter((op) => !job_ops.has(op.uid)).map((op) => op.uid);
  const unmatched_with_state = savepoint.operators
    .filter((op) => !job_ops.has(op.uid) && (op.keyed.length > 0 || op.list_states.some((l) => l.partitions.some((p) => p.length > 0))))
    .map((op) => op.uid);
  if (unmatched_with_state.length > 0 && !options.allow_non_restored_state) {
    return {
      ok: false,
      error: { kind: 'unmatched_operator_state', uids: unmatched_with_state },
      message:
        `cannot restore: the savepoint has state for operator uid(s) ${unmatched_with_state.map((u) => `"${u}"`).join(', ')} ` +
        'that the job does not have; set allow_non_restored_state to skip it',
    };
  }
  const saved = new Map(savepoint.operators.map((op) => [op.uid, op]));
  const operators: OperatorRestore[] = [];
  const adopted_max_parallelism: Record<string, number> = {};
  for (const described of job.operators) {
    const saved_op = saved.get(described.uid);
    let job_op = described;
    if (saved_op !== undefined && saved_op.max_parallelism !== described.max_parallelism) {
      if (described.max_parallelism_configured === false) {
        // Flink's StateAssignmentOperation: a derived max parallelism takes the restored state's, if the parallelism fits.
        if (described.parallelism > saved_op.max_parallelism) {
          return {
            ok: false,
            error: { kind: 'max_parallelism_below_parallelism', uid: described.uid, savepoint_max_parallelism: saved_op.max_parallelism, job_parallelism: described.parallelism },
            message:
              `cannot restore operator "${described.uid}": the maximum parallelism (${saved_op.max_parallelism}) of the restored state is ` +
              `lower than the configured parallelism (${described.parallelism}); reduce the parallelism to at most ${saved_op.max_parallelism}`,
          };
        }
        adopted_max_parallelism[described.uid] = saved_op.max_parallelism;
        job_op = { ...described, max_parallelism: saved_op.max_parallelism };
      } else {
        return {
          ok: false,
          error: { kind: 'max_parallelism_mismatch', uid: described.uid, savepoint_max_parallelism: saved_op.max_parallelism, job_max_parallelism: described.max_parallelism },
          message:
            `cannot restore operator "${described.uid}": the savepoint has max parallelism ${saved_op.max_parallelism}, the job's ` +
            `configured max parallelism is ${described.max_parallelism}; key groups cannot be redistributed across a different max parallelism`,
        };
      }
    }
    const p = job_op.parallelism;
    const subtasks: SubtaskRestore[] = [];
    for (let i = 0; i < p; i++) {
      subtasks.push({ subtask_index: i, key_group_range: key_group_range(job_op.max_parallelism, p, i), keyed: [], list_states: [] });
    }
    if (saved_op !== undefined) {
      for (const entry of saved_op.keyed) {
        const target = subtasks[subtask_for_key_group(job_op.max_parallelism, p, entry.key_group)] as SubtaskRestore;
        target.keyed.push({ ...entry, value: structuredClone(entry.value) });
      }
      for (const list of saved_op.list_states) {
        const all: unknown[] = [];
        for (const partition of list.partitions) for (const item of partition) all.push(item);
        const shares =
          list.mode === 'union'
            ? subtasks.map(() => structuredClone(all))
            : list.mode === 'broadcast'
              ? subtasks.map((_, i) => structuredClone(list.partitions[i % list.partitions.length] ?? []))
              : even_split(structuredClone(all), p);
        subtasks.forEach((s, i) => s.list_states.push({ name: list.name, mode: list.mode, entries: shares[i] as unknown[] }));
      }
    }
    operators.push({ uid: job_op.uid, parallelism: p, max_parallelism: job_op.max_parallelism, has_state: saved_op !== undefined, subtasks });
  }
  return {
    ok: true,
    plan: {
      restored_checkpoint_id: savepoint.checkpoint_id,
      next_checkpoint_id: savepoint.checkpoint_id + 1,
      operators,
      master_states: structuredClone(savepoint.master_states),
      non_restored: unmatched,
      adopted_max_parallelism,
    },
  };
}
