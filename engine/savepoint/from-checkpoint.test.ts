// Specification of the native ↔ canonical conversions: a checkpoint written by LSM backends at parallelism 2 becomes
// a canonical savepoint, which restores through ordinary heap restore at parallelism 3 with the same state.
import { describe, expect, it } from 'vitest';
import type { CheckpointMetadata } from '../checkpoint/metadata.js';
import type { KeyedStateBackend } from '../state/backend.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { LsmKeyedStateBackend } from '../state/lsm/lsm-backend.js';
import { restore_state_from_savepoint, savepoint_from_checkpoint } from './from-checkpoint.js';
import { key_group_range, read_savepoint, subtask_for_key_group, write_savepoint } from './index.js';
import { keyGroupWatermarks } from '../checkpoint/key-group-watermarks.js';

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

  it('keeps which timers each key-group range had fired: the subtasks\' watermarks go into the savepoint and back to a restore', () => {
    const { metadata, files } = lsm_checkpoint();
    // Subtask 0 (key groups 0-7) at 4999 ms; subtask 1 (8-15) at 3000 ms, but groups 8-9 it had restored further along.
    metadata.operators[0]!.subtasks[0]!.extra = { watermark_ms: 4999 };
    metadata.operators[0]!.subtasks[1]!.extra = { watermark_ms: 3000, key_group_watermarks: [[8, 9, 5200]] };
    const read = read_savepoint(savepoint_from_checkpoint(metadata, files));
    if (!read.ok) throw new Error(read.message);
    const watermarks = [[0, 7, 4999], [8, 15, 3000], [8, 9, 5200]];
    expect(read.savepoint.operators[0]!.watermarks).toEqual(watermarks);
    const op = restore_state_from_savepoint(read.savepoint).operators[0]!;
    // The subtask holding every key group carries them all, its own watermark the lowest.
    expect(op.subtasks[0]!.extra).toEqual({ watermark_ms: 3000, key_group_watermarks: watermarks });
    // What a task of a rescaled job (parallelism 4: key groups 8-11) restores from it: each range at its watermark.
    expect(keyGroupWatermarks(op.subtasks, MAX_P, key_group_range(MAX_P, 4, 2))).toEqual([[8, 11, 3000], [8, 9, 5200]]);
  });

  it('keeps the watermarks of an operator whose keyed state is empty because every timer had fired', () => {
    const { metadata } = lsm_checkpoint();
    const operator = { operator_id: 'join', parallelism: 2, max_parallelism: MAX_P, subtasks: [0, 1].map((subtask_index) => ({ subtask_index, keyed: [], operator_state: [], extra: { watermark_ms: Number.MAX_SAFE_INTEGER } })) };
    const read = read_savepoint(savepoint_from_checkpoint({ ...metadata, operators: [operator] }, new Map()));
    if (!read.ok) throw new Error(read.message);
    expect(read.savepoint.operators[0]!.keyed).toEqual([]);
    const op = restore_state_from_savepoint(read.savepoint).operators[0]!;
    expect(op.subtasks[0]!.extra).toEqual({ watermark_ms: Number.MAX_SAFE_INTEGER, key_group_watermarks: [[0, 7, Number.MAX_SAFE_INTEGER], [8, 15, Number.MAX_SAFE_INTEGER]] });
  });

  it('writes no watermarks for an operator whose subtasks recorded none, and refuses malformed ones', () => {
    const { metadata, files } = lsm_checkpoint();
    const read = read_savepoint(savepoint_from_checkpoint(metadata, files));
    if (!read.ok) throw new Error(read.message);
    expect(read.savepoint.operators[0]!.watermarks).toBeUndefined();
    expect(restore_state_from_savepoint(read.savepoint).operators[0]!.subtasks[0]!.extra).toBeUndefined();
    const bad = read_savepoint(
      write_savepoint({ job_id: 'job', checkpoint_id: 3, master_states: [], operators: [{ uid: 'op', max_parallelism: MAX_P, parallelism: 1, keyed: [], list_states: [], watermarks: [[0, MAX_P, 1]] }] }),
    );
    expect(bad).toMatchObject({ ok: false, error: 'malformed' });
  });
});
