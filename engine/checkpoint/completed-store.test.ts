// Specification of the CompletedCheckpointStore (Flink's state.checkpoints.num-retained): the newest checkpoints are
// kept, ids only grow, and discarding one yields exactly the files no retained checkpoint needs any more — its private
// files and metadata, and the shared files whose last reference it held.
import { describe, expect, it } from 'vitest';
import { CompletedCheckpointStore, type CompletedCheckpoint } from './completed-store.js';
import type { CheckpointMetadata } from './metadata.js';
import { SharedStateRegistry } from '../state/shared-state-registry.js';

function checkpoint(checkpoint_id: number, shared: string[], kind: 'checkpoint' | 'savepoint' = 'checkpoint'): CompletedCheckpoint {
  const file = (path: string) => ({ path, size_bytes: 1, checksum: '00' });
  const metadata: CheckpointMetadata = {
    version: 1, job_id: 'job', checkpoint_id, kind, timestamp_ms: 0, master_states: [],
    operators: [{
      operator_id: 'op', parallelism: 1, max_parallelism: 4,
      subtasks: [{
        subtask_index: 0, operator_state: [],
        keyed: [{ backend: 'lsm', checkpoint_id, key_group_range: { start: 0, end: 3 }, private_files: [file(`job/chk-${checkpoint_id}/op/MANIFEST`), file(`job/chk-${checkpoint_id}/op/a-private`)], shared_files: shared.map(file) }],
      }],
    }],
  };
  return { checkpoint_id, metadata, metadata_path: `job/chk-${checkpoint_id}/_metadata` };
}

describe('completed checkpoint store', () => {
  it('keeps the newest num-retained checkpoints (default 1), newest last', () => {
    const store = new CompletedCheckpointStore(new SharedStateRegistry());
    expect(store.num_retained).toBe(1);
    expect(store.latest()).toBeUndefined();
    expect(store.add(checkpoint(1, []))).toEqual([]);
    expect(store.add(checkpoint(2, [])).map((p) => p.checkpoint_id)).toEqual([1]);
    expect(store.latest()?.checkpoint_id).toBe(2);
    const three = new CompletedCheckpointStore(new SharedStateRegistry(), 3);
    for (const id of [1, 2, 3]) expect(three.add(checkpoint(id, []))).toEqual([]);
    expect(three.add(checkpoint(4, [])).map((p) => p.checkpoint_id)).toEqual([1]);
    expect(three.newest_first().map((c) => c.checkpoint_id)).toEqual([4, 3, 2]);
  });

  it('discarding a checkpoint deletes its private files and metadata, and the shared files only it still referenced', () => {
    const store = new CompletedCheckpointStore(new SharedStateRegistry());
    store.add(checkpoint(1, ['job/shared/x.sst', 'job/shared/y.sst']));
    const [plan] = store.add(checkpoint(2, ['job/shared/y.sst', 'job/shared/z.sst']));
    expect(plan).toEqual({
      checkpoint_id: 1,
      paths: ['job/chk-1/_metadata', 'job/chk-1/op/MANIFEST', 'job/chk-1/op/a-private', 'job/shared/x.sst'],
    });
    expect(store.is_in_use('job/shared/y.sst')).toBe(true);
    expect(store.discard_all()).toEqual([{
      checkpoint_id: 2,
      paths: ['job/chk-2/_metadata', 'job/chk-2/op/MANIFEST', 'job/chk-2/op/a-private', 'job/shared/y.sst', 'job/shared/z.sst'],
    }]);
    expect(store.latest()).toBeUndefined();
    expect(store.is_in_use('job/shared/y.sst')).toBe(false);
  });

  it('discards every retained checkpoint oldest first at job end', () => {
    const store = new CompletedCheckpointStore(new SharedStateRegistry(), 2);
    store.add(checkpoint(5, ['job/shared/s']));
    store.add(checkpoint(6, ['job/shared/s']));
    const plans = store.discard_all();
    expect(plans.map((p) => p.checkpoint_id)).toEqual([5, 6]);
    expect(plans[0]?.paths).not.toContain('job/shared/s'); // checkpoint 6 still held it
    expect(plans[1]?.paths).toContain('job/shared/s');
  });

  it('knows which paths a retained checkpoint needs: its metadata, its private files, registered shared files', () => {
    const store = new CompletedCheckpointStore(new SharedStateRegistry());
    store.add(checkpoint(1, ['job/shared/x.sst']));
    expect(store.is_in_use('job/chk-1/_metadata')).toBe(true);
    expect(store.is_in_use('job/chk-1/op/a-private')).toBe(true);
    expect(store.is_in_use('job/shared/x.sst')).toBe(true);
    expect(store.is_in_use('job/chk-1/op/other')).toBe(false);
    expect(store.is_in_use('job/chk-2/_metadata')).toBe(false);
  });

  it('takes shared files registered at finalization as they are (not counted twice, so they are still deleted)', () => {
    const registry = new SharedStateRegistry();
    const store = new CompletedCheckpointStore(registry);
    registry.register(1, ['job/shared/x.sst']);
    store.add(checkpoint(1, ['job/shared/x.sst']), { shared_files_registered: true });
    expect(registry.reference_count('job/shared/x.sst')).toBe(1);
    expect(store.add(checkpoint(2, []))[0]?.paths).toContain('job/shared/x.sst');
  });

  it('refuses an id that is not newer, a savepoint, and a num-retained below 1', () => {
    const store = new CompletedCheckpointStore(new SharedStateRegistry(), 2);
    store.add(checkpoint(3, []));
    expect(() => store.add(checkpoint(3, []))).toThrow('completed checkpoint 3 is not newer than 3');
    expect(() => store.add(checkpoint(2, []))).toThrow('completed checkpoint 2 is not newer than 3');
    expect(() => store.add(checkpoint(4, [], 'savepoint'))).toThrow('savepoints are not added to the completed checkpoint store');
    expect(() => new CompletedCheckpointStore(new SharedStateRegistry(), 0)).toThrow('num_retained must be ≥ 1');
    expect(() => new CompletedCheckpointStore(new SharedStateRegistry(), 1.5)).toThrow('num_retained must be ≥ 1');
  });
});
