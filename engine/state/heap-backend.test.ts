// Specification of the heap backend: snapshot isolation, inline vs file snapshots (threshold), deterministic snapshot
// bytes in canonical row order, restore, rescale, and corruption of every kind refused before anything is replaced.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CorruptStateError, DEFAULT_MEMORY_THRESHOLD_BYTES, HeapKeyedStateBackend, compare_coordinates } from './heap-backend.js';
import type { KeyedSnapshot, KeyedStateHandle } from './backend.js';
import { SEALED_KIND, base64_to_bytes, bytes_to_base64, seal, unseal_kind } from '../util/sealed.js';

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

/** A heap handle around a hand-made payload: [u32 index length | index | body], sealed as a heap snapshot. */
function crafted(index: unknown, body: Uint8Array | string, options: { kind?: number; range?: { start: number; end: number } } = {}): KeyedStateHandle {
  const index_bytes = new TextEncoder().encode(typeof index === 'string' ? index : JSON.stringify(index));
  const body_bytes = typeof body === 'string' ? new TextEncoder().encode(body) : body;
  const payload = new Uint8Array(4 + index_bytes.length + body_bytes.length);
  new DataView(payload.buffer).setUint32(0, index_bytes.length);
  payload.set(index_bytes, 4);
  payload.set(body_bytes, 4 + index_bytes.length);
  return {
    backend: 'heap',
    checkpoint_id: 7,
    key_group_range: options.range ?? { start: 0, end: 15 },
    inline_sealed_base64: bytes_to_base64(seal(options.kind ?? SEALED_KIND.heap_snapshot, payload)),
    private_files: [],
    shared_files: [],
  };
}

/** A well-formed index over `chunks` (one JSON row list per key group), laid out one after the other. */
function crafted_chunks(chunks: [number, string][], options: { range?: { start: number; end: number } } = {}): KeyedStateHandle {
  let offset = 0;
  const index_chunks = chunks.map(([key_group, text]) => {
    const length = new TextEncoder().encode(text).length;
    const chunk = { key_group, offset, length };
    offset += length;
    return chunk;
  });
  const index = { format: 1, key_group_range: options.range ?? { start: 0, end: 15 }, max_parallelism: 16, chunks: index_chunks };
  return crafted(index, chunks.map(([, text]) => text).join(''), options);
}

/** Restoring `handles` fails with CorruptStateError matching `reason`, and the target keeps the state it had. */
function expect_refused(handles: KeyedStateHandle[], reason: RegExp, files = new Map<string, Uint8Array>()): CorruptStateError {
  const target = filled(64, 5);
  const before = [...target.export_entries()];
  let caught: unknown;
  try {
    target.restore(handles, files);
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(CorruptStateError);
  expect((caught as Error).name).toBe('CorruptStateError');
  expect((caught as Error).message).toMatch(reason);
  expect([...target.export_entries()]).toEqual(before);
  expect(target.size()).toBe(5);
  return caught as CorruptStateError;
}

describe('HeapKeyedStateBackend: key group range and snapshot placement', () => {
  it('accepts a key group range inside [0, max parallelism) (an empty range too) and refuses any other', () => {
    const make = (start: number, end: number, max_parallelism: number) => () => new HeapKeyedStateBackend({ key_group_range: { start, end }, max_parallelism });
    for (const [start, end, max] of [[0, 0, 1], [0, 32767, 32768], [5, 4, 8], [7, 7, 8], [0, 7, 8]] as const) expect(make(start, end, max)).not.toThrow();
    for (const max of [0, -1, 32769, 1.5, Number.NaN]) expect(make(0, 0, max)).toThrow(`max_parallelism ${max} must be an integer in [1, 32768]`);
    for (const [start, end] of [[-1, 3], [0, 8], [3, 1], [0.5, 3], [0, 2.5], [Number.NaN, 3]] as const) {
      expect(make(start, end, 8)).toThrow(`key group range [${start}, ${end}] is not inside [0, 8)`);
    }
  });

  it('an empty key group range holds nothing and refuses every key group', () => {
    const backend = new HeapKeyedStateBackend({ key_group_range: { start: 5, end: 4 }, max_parallelism: 8 });
    expect(() => backend.put('s', 4, 'k', '', 1)).toThrow(/outside/);
    expect(() => backend.get('s', 5, 'k', '')).toThrow(/outside/);
    const snapshot = backend.snapshot(1, 'p', 's');
    const restored = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 7 }, max_parallelism: 8 });
    restored.restore([snapshot.handle], files_of(snapshot));
    expect(restored.size()).toBe(0);
  });

  it('keeps a snapshot inline exactly when its sealed size is below the memory threshold (Flink default 20 KB)', () => {
    expect(DEFAULT_MEMORY_THRESHOLD_BYTES).toBe(20 * 1024);
    const as_file = filled(0).snapshot(1, 'p', 's');
    const size = as_file.files_to_write[0]!.bytes.length;
    expect(filled(size).snapshot(1, 'p', 's').handle.inline_sealed_base64).toBeUndefined();
    const inline = filled(size + 1).snapshot(1, 'p', 's');
    expect(inline.files_to_write).toEqual([]);
    expect(base64_to_bytes(inline.handle.inline_sealed_base64!)).toEqual(as_file.files_to_write[0]!.bytes);
    const by_default = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 15 }, max_parallelism: 16 });
    by_default.put('s', 0, 'k', '', 'v'.repeat(20 * 1024 - 200));
    expect(by_default.snapshot(1, 'p', 's').handle.inline_sealed_base64).toBeDefined();
    by_default.put('s', 0, 'k', '', 'v'.repeat(20 * 1024));
    expect(by_default.snapshot(2, 'p', 's').handle.inline_sealed_base64).toBeUndefined();
  });

  it('writes byte-identical snapshots for the same state, whatever order it was written in (determinism)', () => {
    const entry = fc.record({
      state: fc.constantFrom('a', 'b', 'c'),
      key_group: fc.constantFrom(3, 4, 11, 13),
      key: fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom('', 'é', '\u0080', 'z')),
      namespace: fc.constantFrom('', 'w', 'v', 'x'),
      value: fc.oneof(fc.integer(), fc.string({ maxLength: 3 }), fc.constant(null)),
    });
    fc.assert(
      fc.property(fc.uniqueArray(entry, { minLength: 1, maxLength: 80, size: 'max', selector: (e) => JSON.stringify([e.state, e.key_group, e.key, e.namespace]) }), (entries) => {
        const forward = filled(0, 0);
        const backward = filled(0, 0);
        for (const e of entries) forward.put(e.state, e.key_group, e.key, e.namespace, e.value);
        const is_entry = (state: string, key_group: number, key: string, namespace: string): boolean =>
          entries.some((o) => o.state === state && o.key_group === key_group && o.key === key && o.namespace === namespace);
        // The other backend also holds, for a while, entries beside them, under other keys, states and key groups.
        for (const e of [...entries].reverse()) {
          backward.put(e.state, e.key_group, e.key, `${e.namespace}-gone`, 0);
          backward.put(e.state, e.key_group, e.key, e.namespace, e.value);
          backward.put(e.state, e.key_group, `${e.key}-gone`, e.namespace, 0);
          backward.put(`${e.state}-gone`, e.key_group, e.key, '', 0);
          if (!is_entry(e.state, e.key_group + 1, e.key, e.namespace)) backward.put(e.state, e.key_group + 1, e.key, e.namespace, 0);
        }
        for (const e of entries) {
          backward.delete(e.state, e.key_group, e.key, `${e.namespace}-gone`);
          backward.delete(e.state, e.key_group, `${e.key}-gone`, e.namespace);
          backward.delete(`${e.state}-gone`, e.key_group, e.key, '');
          if (!is_entry(e.state, e.key_group + 1, e.key, e.namespace)) backward.delete(e.state, e.key_group + 1, e.key, e.namespace);
        }
        expect(backward.size()).toBe(entries.length);
        const bytes = (b: HeapKeyedStateBackend): Uint8Array => b.snapshot(1, 'p', 's').files_to_write[0]!.bytes;
        expect(bytes(backward)).toEqual(bytes(forward));
      }),
      { numRuns: 30 },
    );
  });

  it('orders the rows of each key-group chunk canonically, by (state, key, namespace), also for many keys', () => {
    const backend = filled(0, 0);
    const keys = Array.from({ length: 40 }, (_, i) => `k${(i * 17) % 40}`);
    for (const key of keys) for (const ns of ['w2', '', 'w1']) backend.put(key.length % 2 === 0 ? 'b' : 'a', 5, key, ns, key);
    for (const key of keys.slice(0, 10)) backend.put('c', 6, key, '', 1);
    const snapshot = backend.snapshot(1, 'p', 's');
    const opened = unseal_kind(snapshot.files_to_write[0]!.bytes, SEALED_KIND.heap_snapshot);
    if (!opened.ok) throw new Error(opened.reason);
    const index_length = new DataView(opened.payload.buffer, opened.payload.byteOffset).getUint32(0);
    const index = JSON.parse(new TextDecoder().decode(opened.payload.subarray(4, 4 + index_length))) as { chunks: { key_group: number; offset: number; length: number }[] };
    expect(index.chunks.map((c) => c.key_group)).toEqual([5, 6]);
    for (const chunk of index.chunks) {
      const start = 4 + index_length + chunk.offset;
      const rows = JSON.parse(new TextDecoder().decode(opened.payload.subarray(start, start + chunk.length))) as [string, string, string, unknown][];
      const sorted = [...rows].sort((x, y) => compare_coordinates(x[0], 0, x[1], x[2], y[0], 0, y[1], y[2]));
      expect(rows).toEqual(sorted);
    }
  });
});

describe('HeapKeyedStateBackend: a restore verifies everything first and never half-restores', () => {
  it('names the file of a corrupt or missing state file in the error', () => {
    const snapshot = filled(64).snapshot(1, 'job/chk-1/op', 's');
    const path = snapshot.handle.private_files[0]!.path;
    const bytes = snapshot.files_to_write[0]!.bytes;
    const missing = expect_refused([snapshot.handle], /referenced state file is missing/);
    expect(missing.path).toBe(path);
    expect(missing.message).toBe(`referenced state file is missing (${path})`);
    expect(new CorruptStateError('plain').message).toBe('plain');
    expect(new CorruptStateError('plain').path).toBeUndefined();
    expect_refused([snapshot.handle], new RegExp(`state file has ${bytes.length - 1} bytes, the handle says ${bytes.length}`), new Map([[path, bytes.subarray(1)]]));
  });

  it('refuses a file whose checksum differs from the handle, even if the file itself is intact', () => {
    const snapshot = filled(64).snapshot(1, 'p', 's');
    const ref = snapshot.handle.private_files[0]!;
    const other = { ...snapshot.handle, private_files: [{ ...ref, checksum: ref.checksum === '00000000' ? '00000001' : '00000000' }] };
    expect_refused([other], /state file checksum [0-9a-f]{8} differs from the handle's/, files_of(snapshot));
    // Shorter than a sealed header: refused as corrupt (not a crash), whatever its checksum says.
    const short = { ...snapshot.handle, private_files: [{ ...ref, size_bytes: 10 }] };
    expect_refused([short], /heap snapshot rejected/, new Map([[ref.path, bytes_of_length(10)]]));
    // Exactly a sealed header (empty payload) under another checksum: the checksum is what is refused.
    const empty = seal(SEALED_KIND.heap_snapshot, new Uint8Array(0));
    const header_only = { ...snapshot.handle, private_files: [{ path: ref.path, size_bytes: 16, checksum: '0badf00d' }] };
    expect_refused([header_only], /checksum/, new Map([[ref.path, empty]]));
  });

  it('refuses handles that are not heap handles or reference the wrong number of files', () => {
    const snapshot = filled(64).snapshot(1, 'p', 's');
    const ref = snapshot.handle.private_files[0]!;
    const target = filled(64, 5);
    expect(() => target.restore([{ ...snapshot.handle, backend: 'lsm' }], files_of(snapshot))).toThrow(/heap backend cannot restore a 'lsm' handle/);
    expect(target.size()).toBe(5);
    expect_refused([{ ...snapshot.handle, private_files: [] }], /heap handle must reference exactly one file, has 0/);
    expect_refused([{ ...snapshot.handle, private_files: [ref, ref] }], /heap handle must reference exactly one file, has 2/, files_of(snapshot));
    const inline = filled(1 << 20).snapshot(1, 'p', 's').handle;
    expect_refused([{ ...inline, private_files: [ref] }], /heap handle has both inline state and files/, files_of(snapshot));
  });

  it('refuses sealed bytes of another kind, naming the checkpoint of inline state', () => {
    const handle = crafted({ format: 1, max_parallelism: 16, chunks: [] }, '', { kind: SEALED_KIND.json });
    expect_refused([handle], /heap snapshot rejected: .*\(inline state of checkpoint 7\)/);
  });

  it('refuses a malformed payload even when its seal is intact', () => {
    const index = (chunks: unknown) => ({ format: 1, key_group_range: { start: 0, end: 15 }, max_parallelism: 16, chunks });
    const row_list = '[["s","k","",1]]';
    expect_refused([{ ...crafted('', ''), inline_sealed_base64: bytes_to_base64(seal(SEALED_KIND.heap_snapshot, new Uint8Array([0, 0, 0]))) }], /payload shorter than its index length/);
    const long_index = crafted(index([]), '');
    const payload = unseal_kind(base64_to_bytes(long_index.inline_sealed_base64!), SEALED_KIND.heap_snapshot);
    if (!payload.ok) throw new Error(payload.reason);
    const stretched = payload.payload.slice();
    new DataView(stretched.buffer).setUint32(0, stretched.length - 3);
    expect_refused([{ ...long_index, inline_sealed_base64: bytes_to_base64(seal(SEALED_KIND.heap_snapshot, stretched)) }], /index runs past the payload/);
    expect_refused([crafted('{"format":1,', '')], /heap snapshot is malformed/);
    expect_refused([crafted({ ...index([]), format: 2 }, '')], /unknown heap snapshot index format/);
    expect_refused([crafted({ ...index([]), chunks: {} }, '')], /unknown heap snapshot index format/);
    expect_refused([crafted({ ...index([]), max_parallelism: 32 }, '')], /snapshot was taken with max parallelism 32, this job uses 16/);
    expect_refused([crafted_chunks([[9, row_list]], { range: { start: 0, end: 7 } })], /key group 9 outside the handle's range/);
    expect_refused([crafted(index([{ key_group: 1, offset: -1, length: 2 }]), row_list)], /chunk runs past the payload/);
    expect_refused([crafted(index([{ key_group: 1, offset: 0, length: row_list.length + 1 }]), row_list)], /chunk runs past the payload/);
    expect_refused([crafted(index([{ key_group: 1, offset: 2, length: row_list.length - 1 }]), row_list)], /chunk runs past the payload/);
    expect_refused([crafted_chunks([[1, '{"s":1}']])], /chunk is not a row list/);
    for (const row of ['"row"', '["s","k",""]', '["s","k","",1,2]', '[1,"k","",1]', '["s",1,"",1]', '["s","k",null,1]']) {
      expect_refused([crafted_chunks([[1, `[["s","k","",1],${row}]`]])], /malformed row/);
    }
    expect_refused([crafted_chunks([[1, '[["s","k","",1],["s","k","",2]]']])], /duplicate entry in key group 1/);
  });

  it('refuses a chunk that is not valid UTF-8 (one byte outside ASCII would otherwise pass as text)', () => {
    const text = '[["s","k","",";"]]';
    const body = new TextEncoder().encode(text);
    body[text.indexOf(';')] = 0xff;
    expect_refused([crafted({ format: 1, max_parallelism: 16, chunks: [{ key_group: 1, offset: 0, length: body.length }] }, body)], /heap snapshot is malformed/);
  });

  it('refuses two handles holding the same key group', () => {
    const a = filled(0, 0);
    a.put('s', 3, 'k', '', 1);
    const first = a.snapshot(1, 'a', 's');
    const second = a.snapshot(1, 'b', 's');
    expect_refused([first.handle, second.handle], /key group 3 appears in more than one handle/, files_of(first, second));
  });

  it('a restored backend snapshots to the same bytes as one that was written the same state (empty chunks leave nothing)', () => {
    const handle = crafted_chunks([[1, '[]'], [2, '[["s","k","",1]]'], [3, '[]']]);
    const restored = filled(0, 0);
    restored.restore([handle], new Map());
    const written = filled(0, 0);
    written.put('s', 2, 'k', '', 1);
    expect(restored.snapshot(1, 'p', 's').files_to_write[0]!.bytes).toEqual(written.snapshot(1, 'p', 's').files_to_write[0]!.bytes);
    const empty = filled(0, 0);
    empty.restore([crafted_chunks([[4, '[]']])], new Map());
    expect(empty.snapshot(1, 'p', 's').files_to_write[0]!.bytes).toEqual(filled(0, 0).snapshot(1, 'p', 's').files_to_write[0]!.bytes);
  });

  it('restores rows of a chunk in any order, and only the chunks of its own key groups', () => {
    const handle = crafted_chunks([
      [1, '[["b","k","",1],["a","k","w",2],["b","j","",3],["a","k","",4],["b","k","w",5]]'],
      [2, '[["b","k","",6],["a","k","",7]]'],
      [9, 'not even JSON: outside the target range, never parsed'],
    ]);
    const target = new HeapKeyedStateBackend({ key_group_range: { start: 0, end: 7 }, max_parallelism: 16 });
    target.restore([handle], new Map());
    expect([...target.export_entries()].map((e) => [e.state, e.key_group, e.key, e.namespace, e.value])).toEqual([
      ['a', 1, 'k', '', 4], ['a', 1, 'k', 'w', 2], ['a', 2, 'k', '', 7],
      ['b', 1, 'j', '', 3], ['b', 1, 'k', '', 1], ['b', 1, 'k', 'w', 5], ['b', 2, 'k', '', 6],
    ]);
    expect([target.get('a', 1, 'k', 'w'), target.get('b', 2, 'k', ''), target.get('a', 2, 'k', ''), target.get('b', 1, 'k', 'w')]).toEqual([2, 6, 7, 5]);
    target.delete('b', 1, 'k', '');
    expect([target.get('b', 1, 'k', ''), target.get('b', 1, 'k', 'w'), target.get('b', 2, 'k', '')]).toEqual([undefined, 5, 6]);
    expect(target.size()).toBe(6);
  });
});

function bytes_of_length(length: number): Uint8Array {
  return new Uint8Array(length).fill(7);
}

describe('HeapKeyedStateBackend: any text round-trips through a snapshot', () => {
  /** The key-group chunks of a file snapshot, as text. */
  function chunk_texts(snapshot: KeyedSnapshot): string[] {
    const opened = unseal_kind(snapshot.files_to_write[0]!.bytes, SEALED_KIND.heap_snapshot);
    if (!opened.ok) throw new Error(opened.reason);
    const index_length = new DataView(opened.payload.buffer, opened.payload.byteOffset).getUint32(0);
    const index = JSON.parse(new TextDecoder().decode(opened.payload.subarray(4, 4 + index_length))) as { chunks: { offset: number; length: number }[] };
    const base = 4 + index_length;
    return index.chunks.map((c) => new TextDecoder('utf-8', { fatal: true }).decode(opened.payload.subarray(base + c.offset, base + c.offset + c.length)));
  }

  it('keys, namespaces and string values of any UTF-16 content (control characters, quotes, lone surrogates) come back as JSON would carry them', () => {
    // Code units around every boundary JSON and UTF-8 care about, mixed with plain ASCII and wider characters.
    const unit = fc.constantFrom('a', ' ', '~', '\u007f', '\u0080', '\u00e9', '\u001f', '\u0000', '"', '\\', '\n', '\ud7ff', '\ud800', '\udbff', '\udc00', '\udfff', '\ue000', '\uffff', '😀');
    const text = fc.array(unit, { maxLength: 6 }).map((units) => units.join(''));
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(text, text, fc.oneof(text, fc.integer(), fc.double())), { minLength: 1, maxLength: 20, selector: ([k, ns]) => JSON.stringify([k, ns]) }), (rows) => {
        const backend = filled(0, 0);
        for (const [key, namespace, value] of rows) backend.put('s', 3, key, namespace, value);
        const snapshot = backend.snapshot(1, 'p', 's');
        for (const chunk of chunk_texts(snapshot)) expect(chunk).toBe(JSON.stringify(JSON.parse(chunk)));
        const restored = filled(0, 0);
        restored.restore([snapshot.handle], files_of(snapshot));
        for (const [key, namespace, value] of rows) {
          expect(restored.get('s', 3, key, namespace)).toEqual(JSON.parse(JSON.stringify([value]))[0]);
        }
        expect(restored.size()).toBe(rows.length);
      }),
      { numRuns: 60 },
    );
  });

  it('values far larger than the write buffer, ASCII and not, come back whole', () => {
    const backend = filled(0, 0);
    const values = ['x'.repeat(300_000), 'é'.repeat(300_000), `${'y'.repeat(200_000)}✓${'z'.repeat(10)}`, { big: 'q'.repeat(300_000) }];
    values.forEach((value, i) => backend.put('big', i, `k${i}`, i % 2 === 0 ? '' : 'é'.repeat(100_000), value));
    const snapshot = backend.snapshot(1, 'p', 's');
    const restored = filled(0, 0);
    restored.restore([snapshot.handle], files_of(snapshot));
    expect([...restored.export_entries()]).toEqual([...backend.export_entries()]);
  });
});
