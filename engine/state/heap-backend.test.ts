// Specification of the heap backend: snapshot isolation, inline vs file snapshots, restore, rescale, corruption.
import { describe, expect, it } from 'vitest';
import { CorruptStateError, HeapKeyedStateBackend } from './heap-backend.js';
import type { KeyedSnapshot } from './backend.js';
import { SEALED_KIND, unseal_kind } from '../util/sealed.js';

function files_of(...snapshots: KeyedSnapshot[]): Map<string, Uint8Array> {
  return new Map(snapshots.flatMap((s) => s.files_to_write.map((f) => [f.path, f.bytes] as const)));
}

function filled(threshold: number, entries = 50): HeapKeyedStateBackend {
  const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 15 }, max_parallelism: 16, memory_threshold_bytes: threshold });
  for (let i = 0; i < entries; i++) backend.put('count', i % 16, `k${i}`, '', i);
  return backend;
}

describe('HeapKeyedStateBackend', () => {
  it('reads back what it wrote, per state, key group, key and namespace', () => {
    const backend = filled(0, 0);
    backend.put('s', 3, '__proto__', 'w1', { n: 1 });
    backend.put('s', 3, '__proto__', 'w2', 2);
    backend.put('t', 3, '__proto__', 'w1', 3);
    expect(backend.get('s', 3, '__proto__', 'w1')).toEqual({ n: 1 });
    expect(backend.get('s', 4, '__proto__', 'w1')).toBeUndefined();
    expect(backend.size()).toBe(3);
    backend.delete('s', 3, '__proto__', 'w1');
    backend.delete('s', 3, 'absent', '');
    expect(backend.size()).toBe(2);
    expect([...backend.entries('s', 3)].map((e) => e.namespace)).toEqual(['w2']);
  });

  it('keeps the same key under two key groups apart, through writes, deletes and a restore', () => {
    const backend = filled(0, 0);
    backend.put('s', 1, 'k', '', 'in 1');
    backend.put('s', 2, 'k', '', 'in 2');
    expect([backend.get('s', 1, 'k', ''), backend.get('s', 2, 'k', '')]).toEqual(['in 1', 'in 2']);
    backend.delete('s', 1, 'k', '');
    expect([backend.get('s', 1, 'k', ''), backend.get('s', 2, 'k', '')]).toEqual([undefined, 'in 2']);
    backend.put('s', 2, 'k', '', 'again 2');
    const restored = filled(0, 0);
    const snapshot = backend.snapshot(1, 'chk-1/op', 'shared');
    restored.restore([snapshot.handle], files_of(snapshot));
    expect([restored.get('s', 1, 'k', ''), restored.get('s', 2, 'k', '')]).toEqual([undefined, 'again 2']);
    expect(restored.size()).toBe(1);
  });

  it('rejects key groups outside its range', () => {
    const backend = new HeapKeyedStateBackend({ key_group_range: { start: 4, end: 7 }, max_parallelism: 16 });
    expect(() => backend.put('s', 8, 'k', '', 1)).toThrow(/outside/);
  });

  it('keeps a small snapshot inline and a large one in a file', () => {
    const small = filled(20 * 1024).snapshot(1, 'job/chk-1/op-sub-0', 'job/shared');
    expect(small.handle.inline_sealed_base64).toBeDefined();
    expect(small.files_to_write).toEqual([]);
    const large = filled(64).snapshot(1, 'job/chk-1/op-sub-0', 'job/shared');
    expect(large.handle.inline_sealed_base64).toBeUndefined();
    expect(large.files_to_write.map((f) => f.path)).toEqual(['job/chk-1/op-sub-0/keyed-heap.snapshot']);
    expect(large.handle.private_files[0]?.size_bytes).toBe(large.files_to_write[0]?.bytes.length);
  });

  it('does not let writes after a snapshot change it (snapshot isolation)', () => {
    const backend = filled(64);
    const before = [...backend.export_entries()];
    const snapshot = backend.snapshot(1, 'p', 's');
    backend.put('count', 0, 'k0', '', 999);
    backend.delete('count', 1, 'k1', '');
    const restored = filled(64, 0);
    restored.restore([snapshot.handle], files_of(snapshot));
    expect([...restored.export_entries()]).toEqual(before);
  });

  it('restores only its own key groups when rescaled', () => {
    const backend = filled(64);
    const snapshot = backend.snapshot(2, 'p', 's');
    const left = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 7 }, max_parallelism: 16 });
    const right = new HeapKeyedStateBackend({ key_group_range: { start: 8, end: 15 }, max_parallelism: 16 });
    left.restore([snapshot.handle], files_of(snapshot));
    right.restore([snapshot.handle], files_of(snapshot));
    expect([...left.export_entries()].every((e) => e.key_group <= 7)).toBe(true);
    expect([...right.export_entries()].every((e) => e.key_group >= 8)).toBe(true);
    expect([...left.export_entries(), ...right.export_entries()]).toEqual([...backend.export_entries()]);
  });

  it('merges handles of several old subtasks when scaling in', () => {
    const a = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 7 }, max_parallelism: 16, memory_threshold_bytes: 0 });
    const b = new HeapKeyedStateBackend({ key_group_range: { start: 8, end: 15 }, max_parallelism: 16 });
    a.put('s', 1, 'x', '', 1);
    b.put('s', 9, 'y', '', 2);
    const sa = a.snapshot(3, 'pa', 's');
    const sb = b.snapshot(3, 'pb', 's');
    const merged = filled(0, 0);
    merged.restore([sa.handle, sb.handle], files_of(sa, sb));
    expect(merged.get('s', 1, 'x', '')).toBe(1);
    expect(merged.get('s', 9, 'y', '')).toBe(2);
  });

  it('rejects a corrupt file with CorruptStateError and keeps its previous state', () => {
    const snapshot = filled(64).snapshot(1, 'p', 's');
    const bytes = (snapshot.files_to_write[0]?.bytes as Uint8Array).slice();
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x10;
    const target = filled(64, 5);
    const before = [...target.export_entries()];
    const path = snapshot.handle.private_files[0]?.path as string;
    expect(() => target.restore([snapshot.handle], new Map([[path, bytes]]))).toThrow(CorruptStateError);
    expect(() => target.restore([snapshot.handle], new Map([[path, bytes.subarray(0, 40)]]))).toThrow(CorruptStateError);
    expect(() => target.restore([snapshot.handle], new Map())).toThrow(/missing/);
    expect([...target.export_entries()]).toEqual(before);
  });

  it('rejects corrupt inline state', () => {
    const snapshot = filled(1 << 20).snapshot(1, 'p', 's');
    const text = snapshot.handle.inline_sealed_base64 as string;
    const damaged = { ...snapshot.handle, inline_sealed_base64: `${text.slice(0, 30)}${text[30] === 'A' ? 'B' : 'A'}${text.slice(31)}` };
    expect(() => filled(0, 0).restore([damaged], new Map())).toThrow(CorruptStateError);
  });

  it('refuses a snapshot taken with another max parallelism', () => {
    const snapshot = filled(1 << 20).snapshot(1, 'p', 's');
    const other = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 31 }, max_parallelism: 32 });
    expect(() => other.restore([snapshot.handle], new Map())).toThrow(/max parallelism/);
  });

  it('writes the snapshot index and every key-group chunk exactly as JSON.stringify does', () => {
    const backend = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 15 }, max_parallelism: 16, memory_threshold_bytes: 0 });
    const values: unknown[] = [0, -0, 7, 2 ** 31 - 1, 2 ** 31, -3, 0.5, 1e21, NaN, Infinity, true, false, null, '', 'plain', 'quote " back \\ tab \t', 'ünïcode ✓ 😀', '\ud800', { n: [1, 'x'] }, [2, null]];
    values.forEach((value, i) => {
      backend.put('values', i % 16, `k${i}`, '', value);
      backend.put('values', i % 16, `k${i}`, `w"${i}`, value);
      backend.put('other state', (i * 5) % 16, `ключ ${i}`, '', value);
    });
    const snapshot = backend.snapshot(1, 'p', 's');
    const opened = unseal_kind(snapshot.files_to_write[0]?.bytes as Uint8Array, SEALED_KIND.heap_snapshot);
    if (!opened.ok) throw new Error(opened.reason);
    const payload = opened.payload;
    const index_length = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
    const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
    const canonical = (bytes: Uint8Array): string => JSON.stringify(JSON.parse(text(bytes)));
    const index_bytes = payload.subarray(4, 4 + index_length);
    expect(text(index_bytes)).toBe(canonical(index_bytes));
    const index = JSON.parse(text(index_bytes)) as { chunks: { key_group: number; offset: number; length: number }[] };
    expect(index.chunks).toHaveLength(16);
    for (const chunk of index.chunks) {
      const chunk_bytes = payload.subarray(4 + index_length + chunk.offset, 4 + index_length + chunk.offset + chunk.length);
      expect(text(chunk_bytes)).toBe(canonical(chunk_bytes));
    }
    const restored = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 15 }, max_parallelism: 16 });
    restored.restore([snapshot.handle], files_of(snapshot));
    values.forEach((value, i) => {
      const expected: unknown = JSON.parse(JSON.stringify([value]))[0];
      expect(restored.get('values', i % 16, `k${i}`, '')).toEqual(expected);
      expect(restored.get('values', i % 16, `k${i}`, `w"${i}`)).toEqual(expected);
      expect(restored.get('other state', (i * 5) % 16, `ключ ${i}`, '')).toEqual(expected);
    });
  });
});
