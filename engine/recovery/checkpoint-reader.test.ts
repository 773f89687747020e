// Specification of the CheckpointReader: loading a checkpoint for a restore (metadata and every referenced file,
// verified, the first problem reported once) and the read-back before a checkpoint completes (the metadata must equal
// the bytes written; every file not read back intact before is read and verified; a discarded file is read again).
import { describe, expect, it } from 'vitest';
import { CheckpointReader, type CheckpointVerification } from './checkpoint-reader.js';
import { files_to_verify, verify_checkpoint, verify_metadata_bytes } from './checkpoint-selection.js';
import { HeapKeyedStateBackend } from '../state/heap-backend.js';
import { type CheckpointMetadata, encode_metadata, metadata_path } from '../checkpoint/metadata.js';
import type { BlobStore, StorageResult } from '../runtime.js';

/** A checkpoint store whose reads answer only when the test delivers them (in any order), counting reads per key. */
class ManualStore implements BlobStore {
  readonly objects = new Map<string, Uint8Array>();
  readonly reads: string[] = [];
  private readonly pending: (() => void)[] = [];
  put(key: string, bytes: Uint8Array, done: (result: StorageResult<void>) => void): void { this.objects.set(key, bytes); done({ ok: true, value: undefined }); }
  get(key: string, done: (result: StorageResult<Uint8Array>) => void): void {
    this.reads.push(key);
    this.pending.push(() => {
      const bytes = this.objects.get(key);
      done(bytes === undefined ? { ok: false, error: 'missing' } : { ok: true, value: bytes });
    });
  }
  list(): void { throw new Error('not used'); }
  delete(): void { throw new Error('not used'); }
  sync(): void { throw new Error('not used'); }
  /** Answers every outstanding read, newest first when `reverse` (reads may complete in any order). */
  deliver(reverse = false): void {
    while (this.pending.length > 0) {
      const next = reverse ? this.pending.pop() : this.pending.shift();
      next?.();
    }
  }
}

/** Writes a real checkpoint with one heap state file per subtask; returns its metadata and bytes. */
function write_checkpoint(store: ManualStore, checkpoint_id: number, subtasks: number): { metadata: CheckpointMetadata; bytes: Uint8Array; files: string[] } {
  const handles = Array.from({ length: subtasks }, (_, subtask) => {
    const backend = new HeapKeyedStateBackend({ key_group_range: { start: subtask, end: subtask }, max_parallelism: subtasks, memory_threshold_bytes: 0 });
    backend.put('count', subtask, `k${subtask}`, '', checkpoint_id * 10 + subtask);
    const snapshot = backend.snapshot(checkpoint_id, `job/chk-${checkpoint_id}/op-sub-${subtask}`, 'job/shared');
    for (const f of snapshot.files_to_write) store.objects.set(f.path, f.bytes);
    return snapshot.handle;
  });
  const metadata: CheckpointMetadata = {
    version: 1, job_id: 'job', checkpoint_id, kind: 'checkpoint', timestamp_ms: checkpoint_id * 1000, master_states: [],
    operators: [{ operator_id: 'op', parallelism: subtasks, max_parallelism: subtasks, subtasks: handles.map((h, i) => ({ subtask_index: i, keyed: [h], operator_state: [] })) }],
  };
  const bytes = encode_metadata(metadata);
  store.objects.set(metadata_path('job', checkpoint_id), bytes);
  const files = Array.from({ length: subtasks }, (_, i) => `job/chk-${checkpoint_id}/op-sub-${i}/keyed-heap.snapshot`);
  for (const f of files) expect(store.objects.has(f)).toBe(true);
  return { metadata, bytes, files };
}

/** The problem a damaged state file is reported with. */
function corrupt(path: string | undefined): RegExp {
  return new RegExp(`^state file ${path} is corrupt: checksum mismatch`);
}

function flip_last_byte(store: ManualStore, path: string): void {
  const bytes = (store.objects.get(path) as Uint8Array).slice();
  bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 1;
  store.objects.set(path, bytes);
}

describe('CheckpointReader.load (restore)', () => {
  it('returns the verified metadata and the bytes of every referenced file', () => {
    const store = new ManualStore();
    const { files } = write_checkpoint(store, 3, 2);
    const results: unknown[] = [];
    new CheckpointReader(store, undefined).load({ checkpoint_id: 3, metadata_path: metadata_path('job', 3) }, (loaded) => results.push(loaded));
    store.deliver();
    expect(results).toHaveLength(1);
    const loaded = results[0] as { ok: true; metadata: CheckpointMetadata; files: Map<string, Uint8Array> };
    expect(loaded.ok).toBe(true);
    expect(loaded.metadata.checkpoint_id).toBe(3);
    expect([...loaded.files.keys()].sort()).toEqual(files);
    for (const f of files) expect(loaded.files.get(f)).toEqual(store.objects.get(f));
  });

  it('refuses a checkpoint whose metadata is missing or belongs to another checkpoint, without reading its files', () => {
    const store = new ManualStore();
    write_checkpoint(store, 1, 1);
    const results: unknown[] = [];
    const reader = new CheckpointReader(store, undefined);
    reader.load({ checkpoint_id: 2, metadata_path: metadata_path('job', 2) }, (loaded) => results.push(loaded));
    reader.load({ checkpoint_id: 2, metadata_path: metadata_path('job', 1) }, (loaded) => results.push(loaded));
    store.deliver();
    expect(results).toEqual([
      { ok: false, error: 'metadata job/chk-2/_metadata is missing or unreadable' },
      { ok: false, error: 'metadata job/chk-1/_metadata belongs to checkpoint 1' },
    ]);
    expect(store.reads).toEqual([metadata_path('job', 2), metadata_path('job', 1)]);
  });

  it('reports the first file that cannot be read, once, even when several are missing and reads complete in any order', () => {
    for (const reverse of [false, true]) {
      const store = new ManualStore();
      const { files } = write_checkpoint(store, 4, 3);
      store.objects.delete(files[0] as string);
      store.objects.delete(files[2] as string);
      const results: { ok: boolean; error?: string }[] = [];
      new CheckpointReader(store, undefined).load({ checkpoint_id: 4, metadata_path: metadata_path('job', 4) }, (loaded) => results.push(loaded));
      store.deliver(reverse);
      expect(results).toEqual([{ ok: false, error: `state file ${files[reverse ? 2 : 0]}: missing` }]);
    }
  });

  it('refuses a checkpoint with a damaged file, naming it', () => {
    const store = new ManualStore();
    const { files } = write_checkpoint(store, 4, 3);
    flip_last_byte(store, files[1] as string);
    const results: { ok: boolean; error?: string }[] = [];
    new CheckpointReader(store, undefined).load({ checkpoint_id: 4, metadata_path: metadata_path('job', 4) }, (loaded) => results.push(loaded));
    store.deliver();
    expect(results).toEqual([{ ok: false, error: expect.stringMatching(corrupt(files[1])) }]);
  });

  it('refuses a checkpoint whose files all read but fail verification (the verification seam decides)', () => {
    const store = new ManualStore();
    write_checkpoint(store, 5, 1);
    const verification: CheckpointVerification = {
      verify_metadata_bytes,
      verify_checkpoint: (candidate, bytes, files) => (files.size === 1 ? { ok: false, reason: 'refused by the seam' } : verify_checkpoint(candidate, bytes, files)),
    };
    const results: unknown[] = [];
    new CheckpointReader(store, verification).load({ checkpoint_id: 5, metadata_path: metadata_path('job', 5) }, (loaded) => results.push(loaded));
    store.deliver();
    expect(results).toEqual([{ ok: false, error: 'refused by the seam' }]);
  });
});

describe('CheckpointReader.read_back (before completion)', () => {
  it('passes a checkpoint whose metadata reads back byte for byte and whose files are intact', () => {
    const store = new ManualStore();
    const { metadata, bytes, files } = write_checkpoint(store, 1, 2);
    const problems: (string | undefined)[] = [];
    new CheckpointReader(store, undefined).read_back(metadata, bytes, metadata_path('job', 1), (p) => problems.push(p));
    store.deliver();
    expect(problems).toEqual([undefined]);
    expect(store.reads).toEqual([metadata_path('job', 1), ...files]);
  });

  it('names metadata that was lost, or that differs from what was written', () => {
    const store = new ManualStore();
    const { metadata, bytes } = write_checkpoint(store, 1, 1);
    const problems: (string | undefined)[] = [];
    const reader = new CheckpointReader(store, undefined);
    reader.read_back(metadata, bytes, 'job/chk-1/elsewhere', (p) => problems.push(p));
    store.objects.set('job/chk-1/torn', bytes.subarray(0, bytes.length - 3));
    reader.read_back(metadata, bytes, 'job/chk-1/torn', (p) => problems.push(p));
    const flipped = bytes.slice();
    flipped[0] = (flipped[0] as number) ^ 1;
    store.objects.set('job/chk-1/flipped', flipped);
    reader.read_back(metadata, bytes, 'job/chk-1/flipped', (p) => problems.push(p));
    store.deliver();
    expect(problems).toEqual([
      'job/chk-1/elsewhere: missing',
      `job/chk-1/torn differs from the bytes written (${bytes.length - 3} of ${bytes.length} bytes)`,
      `job/chk-1/flipped differs from the bytes written (${bytes.length} of ${bytes.length} bytes)`,
    ]);
  });

  it('names a referenced file that was lost or damaged after it was written', () => {
    const store = new ManualStore();
    const { metadata, bytes, files } = write_checkpoint(store, 1, 2);
    flip_last_byte(store, files[1] as string);
    const problems: (string | undefined)[] = [];
    new CheckpointReader(store, undefined).read_back(metadata, bytes, metadata_path('job', 1), (p) => problems.push(p));
    store.deliver();
    expect(problems).toEqual([expect.stringMatching(corrupt(files[1]))]);
  });

  it('reads a file back once: a later checkpoint referencing the same intact file does not read it again, unless it was discarded or failed', () => {
    const store = new ManualStore();
    const { metadata, bytes, files } = write_checkpoint(store, 1, 2);
    const reader = new CheckpointReader(store, undefined);
    const problems: (string | undefined)[] = [];
    flip_last_byte(store, files[1] as string);
    reader.read_back(metadata, bytes, metadata_path('job', 1), (p) => problems.push(p));
    store.deliver();
    // Repaired: the damaged file was not remembered as intact, so it is read again; the intact one is not.
    write_checkpoint(store, 1, 2);
    store.reads.length = 0;
    reader.read_back(metadata, bytes, metadata_path('job', 1), (p) => problems.push(p));
    store.deliver();
    expect(store.reads).toEqual([metadata_path('job', 1), files[1]]);
    store.reads.length = 0;
    reader.read_back(metadata, bytes, metadata_path('job', 1), (p) => problems.push(p));
    store.deliver();
    expect(store.reads).toEqual([metadata_path('job', 1)]);
    reader.forget(files[0] as string);
    store.reads.length = 0;
    reader.read_back(metadata, bytes, metadata_path('job', 1), (p) => problems.push(p));
    store.deliver();
    expect(store.reads).toEqual([metadata_path('job', 1), files[0]]);
    expect(problems).toEqual([expect.stringMatching(corrupt(files[1])), undefined, undefined, undefined]);
  });

  it('a checkpoint with no state files reads back its metadata only', () => {
    const store = new ManualStore();
    const metadata: CheckpointMetadata = { version: 1, job_id: 'job', checkpoint_id: 9, kind: 'checkpoint', timestamp_ms: 0, master_states: [], operators: [] };
    const bytes = encode_metadata(metadata);
    store.objects.set(metadata_path('job', 9), bytes);
    const problems: (string | undefined)[] = [];
    new CheckpointReader(store, undefined).read_back(metadata, bytes, metadata_path('job', 9), (p) => problems.push(p));
    store.deliver();
    expect(problems).toEqual([undefined]);
    expect(store.reads).toEqual([metadata_path('job', 9)]);
  });
});

describe('files_to_verify', () => {
  it('lists every referenced file once, private and shared together, by path (so a restore names the first damaged file by path)', () => {
    const ref = (path: string) => ({ path, size_bytes: 1, checksum: path });
    const handle = (subtask: number, private_paths: string[], shared_paths: string[]) => ({
      backend: 'lsm' as const, checkpoint_id: 4, key_group_range: { start: subtask, end: subtask },
      private_files: private_paths.map(ref), shared_files: shared_paths.map(ref),
    });
    const metadata: CheckpointMetadata = {
      version: 1, job_id: 'job', checkpoint_id: 4, kind: 'checkpoint', timestamp_ms: 0, master_states: [],
      operators: [{ operator_id: 'op', parallelism: 2, max_parallelism: 2, subtasks: [
        { subtask_index: 0, keyed: [handle(0, ['job/chk-4/d', 'job/chk-4/b'], ['job/shared/e', 'job/a-shared/a'])], operator_state: [] },
        { subtask_index: 1, keyed: [handle(1, ['job/chk-4/c'], ['job/a-shared/a', 'job/shared/0'])], operator_state: [] },
      ] }],
    };
    // Shared paths may sort before private ones: the list is ordered as a whole, not private first.
    expect(files_to_verify(metadata).map((f) => f.path)).toEqual(['job/a-shared/a', 'job/chk-4/b', 'job/chk-4/c', 'job/chk-4/d', 'job/shared/0', 'job/shared/e']);
  });
});
