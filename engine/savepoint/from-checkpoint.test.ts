// Specification of the native ↔ canonical conversions: a checkpoint written by LSM backends at parallelism 2 becomes
// a canonical savepoint, which restores through ordinary heap restore at parallelism 3 with the same state.
import { describe, expect, it } from 'vitest';
import type { CheckpointMetadata } from '../checkpoint/metadata.js';
import type { KeyedStateBackend } from '../state/backend.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { LsmKeyedStateBackend } from '../state/lsm/lsm-backend.js';
import { restore_state_from_savepoint, savepoint_from_checkpoint } from './from-checkpoint.js';
import { key_group_range, read_savepoint, subtask_for_key_group } from './index.js';

const MAX_P = 16;

function lsm_checkpoint(): { metadata: CheckpointMetadata; files: Map<string, Uint8Array>; entries: string[] } {
  const backends: KeyedStateBackend[] = [0, 1].map(
    (i) => new LsmKeyedStateBackend({ key_group_range: key_group_range(MAX_P, 2, i), max_parallelism: MAX_P, memtable_max_entries: 2 }),
  );
  for (let kg = 0; kg < MAX_P; kg++) {
    const b = backends[subtask_for_key_group(MAX_P, 2, kg)]!;
    b.put('count', kg, `sk${kg}`, '', kg);
    b.put('_timers/event', kg, `sk${kg}`, `1000|w`, null);
  }
  const files = new Map<string, Uint8Array>();
  const subtasks = backends.map((b, i) => {
    const snap = b.snapshot(3, `job/chk-3/op-sub-${i}`, 'job/shared');
    for (const f of snap.files_to_write) files.set(f.path, f.bytes);
    return { subtask_index: i, keyed: [snap.handle], operator_state: [{ name: 'offsets', mode: 'even-split' as const, entries: [`o${i}`] }] };
  });
  const metadata: CheckpointMetadata = {
    version: 1,
    job_id: 'job',
    checkpoint_id: 3,
    kind: 'checkpoint',
    timestamp_ms: 0,
    operators: [{ operator_id: 'op', parallelism: 2, max_parallelism: MAX_P, subtasks }],
    master_states: [{ name: 'enumerator', state: { unassigned: [] } }],
  };
  const entries = backends.flatMap((b) => [...b.export_entries()].map((e) => JSON.stringify(e)));
  return { metadata, files, entries };
}

describe('native checkpoint ↔ canonical savepoint', () => {
  it('writes the canonical form of an LSM checkpoint: all entries, list partitions by subtask, master state', () => {
    const { metadata, files, entries } = lsm_checkpoint();
    const read = read_savepoint(savepoint_from_checkpoint(metadata, files));
    if (!read.ok) throw new Error(read.message);
    const op = read.savepoint.operators[0]!;
    expect(op.keyed.map((e) => JSON.stringify(e)).sort()).toEqual([...entries].sort());
    expect(op.list_states).toEqual([{ name: 'offsets', mode: 'even-split', partitions: [['o0'], ['o1']] }]);
    expect(read.savepoint.master_states).toEqual(metadata.master_states);
  });

  it('refuses a checkpoint whose state file is corrupt', () => {
    const { metadata, files } = lsm_checkpoint();
    const [path, bytes] = [...files][0]!;
    const damaged = new Uint8Array(bytes);
    damaged[damaged.length - 1] = (damaged[damaged.length - 1] as number) ^ 1;
    files.set(path, damaged);
    expect(files.size).toBeGreaterThan(0);
    expect(() => savepoint_from_checkpoint(metadata, files)).toThrow(/checksum|corrupt|crc/i);
  });

  it('restores the canonical savepoint through the ordinary heap restore path at parallelism 3', () => {
    const { metadata, files, entries } = lsm_checkpoint();
    const read = read_savepoint(savepoint_from_checkpoint(metadata, files));
    if (!read.ok) throw new Error(read.message);
    const state = restore_state_from_savepoint(read.savepoint);
    const op = state.operators[0]!;
    expect(op.subtasks.map((s) => s.operator_state[0]?.entries)).toEqual([['o0'], ['o1']]);
    const restored = [0, 1, 2].map((i) => {
      const b = new HeapKeyedStateBackend({ key_group_range: key_group_range(MAX_P, 3, i), max_parallelism: MAX_P });
      b.restore(op.subtasks.flatMap((s) => s.keyed), new Map());
      return b;
    });
    expect(restored.flatMap((b) => [...b.export_entries()].map((e) => JSON.stringify(e))).sort()).toEqual([...entries].sort());
    expect(restored.map((b) => b.size())).toEqual([12, 10, 10]);
  });
});
