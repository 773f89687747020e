// HeapKeyedStateBackend: keyed state in per-key-group maps with full snapshots (Flink's HashMap backend).
// A snapshot is eagerly serialised into one sealed file with a per-key-group index (or inline when small), so later
// writes never leak into it; restore filters key groups to this backend's range and never half-restores.

import type {
  FileRef, KeyedSnapshot, KeyedStateBackend, KeyedStateHandle, KeyGroupRange, SnapshotFile, StateEntry,
} from './backend.js';
import { SEALED_KIND, base64_to_bytes, bytes_to_base64, seal, sealed_checksum_hex, unseal_kind } from '../util/sealed.js';
import { is_uint_digits_number, plain_json_bytes, write_uint_digits, write_verbatim_string } from '../util/plain-json.js';

/** A persisted state file or inline state failed verification (checksum, truncation, format). Nothing was restored. */
export class CorruptStateError extends Error {
  readonly path: string | undefined;
  constructor(message: string, path?: string) {
    super(path === undefined ? message : `${message} (${path})`);
    this.name = 'CorruptStateError';
    this.path = path;
  }
}

/** Flink's state.storage.fs.memory-threshold default: 20 KB. */
export const DEFAULT_MEMORY_THRESHOLD_BYTES = 20 * 1024;

export interface HeapBackendOptions {
  key_group_range: KeyGroupRange;
  max_parallelism: number;
  /** Snapshots whose sealed size is below this go inline in the handle. Default 20 KB. */
  memory_threshold_bytes?: number;
}

/** Canonical string order (UTF-16 code units), the order used by every backend and export. */
export function compare_strings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Canonical entry order: (state, key_group, key, namespace). */
export function compare_coordinates(
  a_state: string, a_kg: number, a_key: string, a_ns: string,
  b_state: string, b_kg: number, b_key: string, b_ns: string,
): number {
  return compare_strings(a_state, b_state) || a_kg - b_kg || compare_strings(a_key, b_key) || compare_strings(a_ns, b_ns);
}

export function assert_key_group_range(range: KeyGroupRange, max_parallelism: number): void {
  if (!Number.isInteger(max_parallelism) || max_parallelism < 1 || max_parallelism > 32768) {
    throw new Error(`max_parallelism ${max_parallelism} must be an integer in [1, 32768]`);
  }
  if (!Number.isInteger(range.start) || !Number.isInteger(range.end) || range.start < 0 || range.end < range.start - 1
    || range.end >= max_parallelism) {
    throw new Error(`key group range [${range.start}, ${range.end}] is not inside [0, ${max_parallelism})`);
  }
}

export function in_range(range: KeyGroupRange, key_group: number): boolean {
  return key_group >= range.start && key_group <= range.end;
}

/** Resolve the sealed bytes a handle points to (inline or the single private file), verifying the FileRef. */
export function verified_file_bytes(ref: FileRef, files: ReadonlyMap<string, Uint8Array>): Uint8Array {
  const bytes = files.get(ref.path);
  if (bytes === undefined) throw new CorruptStateError('referenced state file is missing', ref.path);
  if (bytes.length !== ref.size_bytes) {
    throw new CorruptStateError(`state file has ${bytes.length} bytes, the handle says ${ref.size_bytes}`, ref.path);
  }
  if (bytes.length >= 16 && sealed_checksum_hex(bytes) !== ref.checksum) {
    throw new CorruptStateError(`state file checksum ${sealed_checksum_hex(bytes)} differs from the handle's ${ref.checksum}`, ref.path);
  }
  return bytes;
}

/** A stored value; updating an existing entry writes the cell instead of the Map. */
type Cell = { value: unknown };
/** One key's entries: the "" namespace (plain keyed state) directly, other namespaces (windows) in a map made on first use. */
type KeySlot = { plain: Cell | undefined; namespaced: Map<string, Cell> | undefined };
type KeyMap = Map<string, KeySlot>;
type StateMap = Map<string, KeyMap>;
/** Lookup index beside the key-group tree: state → key → that key's slot (the same object as in the tree). */
type KeyIndexEntry = { key_group: number; slot: KeySlot };
type KeyIndex = Map<string, KeyIndexEntry>;

/** One key group's chunk in a heap snapshot file: [state, key, namespace, value] rows in canonical order. */
type HeapRow = [string, string, string, unknown];

interface HeapSnapshotIndex {
  format: 1;
  key_group_range: KeyGroupRange;
  max_parallelism: number;
  /** Offsets are relative to the first byte after the index. */
  chunks: { key_group: number; offset: number; length: number }[];
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

function add_cell(slot: KeySlot, namespace: string, value: unknown): void {
  const cell: Cell = { value };
  if (namespace === '') slot.plain = cell;
  else (slot.namespaced ??= new Map()).set(namespace, cell);
}

function cell_of(slot: KeySlot, namespace: string): Cell | undefined {
  return namespace === '' ? slot.plain : slot.namespaced?.get(namespace);
}

function slot_is_empty(slot: KeySlot): boolean {
  return slot.plain === undefined && (slot.namespaced === undefined || slot.namespaced.size === 0);
}

/** Appends the slot's entries (in no particular order). */
function push_entries(out: StateEntry[], state: string, key_group: number, key: string, slot: KeySlot): void {
  if (slot.plain !== undefined) out.push({ state, key_group, key, namespace: '', value: slot.plain.value });
  if (slot.namespaced !== undefined) {
    for (const [namespace, cell] of slot.namespaced) out.push({ state, key_group, key, namespace, value: cell.value });
  }
}

/**
 * Growable scratch bytes that a snapshot's payload is written into before it is sealed (seal copies it out). Reused by
 * every snapshot of the process, so its size is bounded by the largest snapshot payload (at most the sealed maximum).
 */
let scratch = new Uint8Array(64 * 1024);

function reserve(position: number, more_bytes: number): void {
  if (position + more_bytes <= scratch.length) return;
  let size = scratch.length * 2;
  while (size < position + more_bytes) size *= 2;
  const grown = new Uint8Array(size);
  grown.set(scratch.subarray(0, position));
  scratch = grown;
}

/** Writes `text` as UTF-8 at `position` (ASCII byte by byte, anything else through the encoder); returns the new end. */
function write_text(position: number, text: string): number {
  reserve(position, text.length * 3);
  const bytes = scratch;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return position + encoder.encodeInto(text.slice(i), bytes.subarray(position)).written;
    bytes[position++] = c;
  }
  return position;
}

function write_byte(position: number, byte: number): number {
  reserve(position, 1);
  scratch[position] = byte;
  return position + 1;
}

/** Digits of a non-negative int32. */
const UINT_DIGITS_ROOM_BYTES = 10;
const COMMA = 0x2c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;

/** Writes JSON.stringify(text): verbatim strings (printable ASCII) through the shared writer, anything else escaped. */
function write_json_string(position: number, text: string): number {
  reserve(position, text.length + 2);
  const end = write_verbatim_string(scratch, position, text);
  return end >= 0 ? end : write_text(position, JSON.stringify(text));
}

/**
 * Writes one row exactly as JSON.stringify([state, key, namespace, value]): rows whose value is a string, finite
 * number, boolean or null are written directly (a snapshot holds many small rows and the generic call dominates their
 * cost); any other row goes through JSON.stringify.
 */
function write_row(position: number, state: string, key: string, namespace: string, value: unknown): number {
  let value_json: string | undefined;
  if (typeof value === 'number') {
    if (!is_uint_digits_number(value)) value_json = Number.isFinite(value) ? String(value) : 'null';
  } else if (typeof value === 'boolean') value_json = value ? 'true' : 'false';
  else if (value === null) value_json = 'null';
  else if (typeof value !== 'string') return write_text(position, JSON.stringify([state, key, namespace, value]));
  position = write_byte(position, OPEN_BRACKET);
  position = write_json_string(position, state);
  position = write_byte(position, COMMA);
  position = write_json_string(position, key);
  position = write_byte(position, COMMA);
  position = write_json_string(position, namespace);
  position = write_byte(position, COMMA);
  if (value_json !== undefined) position = write_text(position, value_json);
  else if (typeof value === 'number') {
    // A non-negative int32 (the usual counter or sequence number): its digits, as String() gives them.
    reserve(position, UINT_DIGITS_ROOM_BYTES);
    position = write_uint_digits(scratch, position, value);
  } else position = write_json_string(position, value as string);
  return write_byte(position, CLOSE_BRACKET);
}

/** Lists up to this long are put in order by insertion sort (Array.prototype.sort allocates work space per call). */
const INSERTION_SORT_MAX_LENGTH = 16;

/** The keys of a map in canonical string order. */
function sorted_keys<V>(map: Map<string, V>): string[] {
  const keys = [...map.keys()];
  if (keys.length > INSERTION_SORT_MAX_LENGTH) return keys.sort(compare_strings);
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i]!;
    let j = i - 1;
    for (; j >= 0 && keys[j]! > key; j--) keys[j + 1] = keys[j]!;
    keys[j + 1] = key;
  }
  return keys;
}

export class HeapKeyedStateBackend implements KeyedStateBackend {
  readonly backend_kind = 'heap' as const;
  readonly key_group_range: KeyGroupRange;
  readonly max_parallelism: number;
  readonly memory_threshold_bytes: number;
  private groups = new Map<number, StateMap>();
  private live_entries = 0;
  /**
   * Per state, every key's slot, so a record's get/put costs one Map lookup instead of four. The key-group tree
   * stays the source of truth for snapshots (which sort their rows, so neither structure's order shows).
   */
  private index = new Map<string, KeyIndex>();
  private last_state: string | undefined;
  private last_state_keys: KeyIndex | undefined;
  /** The slot found by the last lookup: a keyed read-modify-write (get, then put) looks its key up once. */
  private last_lookup_state: string | undefined;
  private last_lookup_key_group = -1;
  private last_lookup_key: string | undefined;
  private last_lookup_slot: KeySlot | undefined;

  constructor(options: HeapBackendOptions) {
    assert_key_group_range(options.key_group_range, options.max_parallelism);
    this.key_group_range = { ...options.key_group_range };
    this.max_parallelism = options.max_parallelism;
    this.memory_threshold_bytes = options.memory_threshold_bytes ?? DEFAULT_MEMORY_THRESHOLD_BYTES;
  }

  private state_index(state: string): KeyIndex | undefined {
    if (state === this.last_state) return this.last_state_keys;
    const keys = this.index.get(state);
    if (keys !== undefined) {
      this.last_state = state;
      this.last_state_keys = keys;
    }
    return keys;
  }

  /** The slot of (state, key) in `key_group`, if that key holds any entry (the tree answers what the index lacks). */
  private slot_of(state: string, key_group: number, key: string): KeySlot | undefined {
    if (key === this.last_lookup_key && key_group === this.last_lookup_key_group && state === this.last_lookup_state) {
      return this.last_lookup_slot;
    }
    const entry = this.state_index(state)?.get(key);
    const slot = entry !== undefined && entry.key_group === key_group ? entry.slot : this.groups.get(key_group)?.get(state)?.get(key);
    if (slot !== undefined) {
      this.last_lookup_state = state;
      this.last_lookup_key_group = key_group;
      this.last_lookup_key = key;
      this.last_lookup_slot = slot;
    }
    return slot;
  }

  private forget_last_lookup(): void {
    this.last_lookup_state = undefined;
    this.last_lookup_key_group = -1;
    this.last_lookup_key = undefined;
    this.last_lookup_slot = undefined;
  }

  get(state: string, key_group: number, key: string, namespace: string): unknown {
    this.check_key_group(key_group);
    const slot = this.slot_of(state, key_group, key);
    if (slot === undefined) return undefined;
    return cell_of(slot, namespace)?.value;
  }

  put(state: string, key_group: number, key: string, namespace: string, value: unknown): void {
    this.check_key_group(key_group);
    if (value === undefined) throw new Error('put: value must not be undefined (use delete)');
    let slot = this.slot_of(state, key_group, key);
    if (slot === undefined) {
      let states = this.groups.get(key_group);
      if (states === undefined) this.groups.set(key_group, (states = new Map()));
      let keys = states.get(state);
      if (keys === undefined) states.set(state, (keys = new Map()));
      slot = keys.get(key);
      if (slot === undefined) keys.set(key, (slot = { plain: undefined, namespaced: undefined }));
      if (this.index.get(state)?.has(key) !== true) this.index_key(state, key_group, key, slot);
    }
    const cell = cell_of(slot, namespace);
    if (cell !== undefined) {
      cell.value = value;
      return;
    }
    add_cell(slot, namespace, value);
    this.live_entries++;
  }

  private index_key(state: string, key_group: number, key: string, slot: KeySlot): void {
    let keys = this.index.get(state);
    if (keys === undefined) this.index.set(state, (keys = new Map()));
    keys.set(key, { key_group, slot });
  }

  delete(state: string, key_group: number, key: string, namespace: string): void {
    this.check_key_group(key_group);
    const states = this.groups.get(key_group);
    const keys = states?.get(state);
    const slot = keys?.get(key);
    if (states === undefined || keys === undefined || slot === undefined || cell_of(slot, namespace) === undefined) return;
    if (namespace === '') slot.plain = undefined;
    else slot.namespaced!.delete(namespace);
    this.live_entries--;
    if (slot_is_empty(slot)) {
      this.forget_last_lookup();
      keys.delete(key);
      const indexed = this.index.get(state);
      if (indexed?.get(key)?.slot === slot) indexed.delete(key);
    }
    if (keys.size === 0) states.delete(state);
    if (states.size === 0) this.groups.delete(key_group);
  }

  entries(state: string, key_group: number): Iterable<StateEntry> {
    this.check_key_group(key_group);
    const keys = this.groups.get(key_group)?.get(state);
    if (keys === undefined) return [];
    const out: StateEntry[] = [];
    for (const [key, slot] of keys) push_entries(out, state, key_group, key, slot);
    out.sort((a, b) => compare_strings(a.key, b.key) || compare_strings(a.namespace, b.namespace));
    return out;
  }

  size(): number {
    return this.live_entries;
  }

  export_entries(): Iterable<StateEntry> {
    const out: StateEntry[] = [];
    for (const [key_group, states] of this.groups) {
      for (const [state, keys] of states) {
        for (const [key, slot] of keys) push_entries(out, state, key_group, key, slot);
      }
    }
    out.sort((a, b) => compare_coordinates(a.state, a.key_group, a.key, a.namespace, b.state, b.key_group, b.key, b.namespace));
    // Stryker disable next-line ConditionalExpression,StringLiteral: invariant a correct caller cannot reach (the count kept by put/delete/restore)
    if (out.length !== this.live_entries) throw new Error(`heap backend: counted ${this.live_entries} entries, found ${out.length}`);
    return out;
  }

  snapshot(checkpoint_id: number, path_prefix: string, _shared_prefix: string): KeyedSnapshot {
    const sealed = this.serialize();
    const handle: KeyedStateHandle = {
      backend: 'heap',
      checkpoint_id,
      key_group_range: { ...this.key_group_range },
      private_files: [],
      shared_files: [],
    };
    const files_to_write: SnapshotFile[] = [];
    if (sealed.length < this.memory_threshold_bytes) {
      handle.inline_sealed_base64 = bytes_to_base64(sealed);
    } else {
      const path = `${path_prefix}/keyed-heap.snapshot`;
      handle.private_files.push({ path, size_bytes: sealed.length, checksum: sealed_checksum_hex(sealed) });
      files_to_write.push({ path, bytes: sealed });
    }
    return { handle, files_to_write };
  }

  restore(handles: KeyedStateHandle[], files: ReadonlyMap<string, Uint8Array>): void {
    const groups = new Map<number, StateMap>();
    // The lookup index is built beside the tree (a key is indexed under the first key group it appears in).
    const index = new Map<string, KeyIndex>();
    let count = 0;
    for (const handle of handles) {
      if (handle.backend !== 'heap') {
        throw new Error(`heap backend cannot restore a '${handle.backend}' handle (use the canonical savepoint form)`);
      }
      for (const row_group of decode_heap_handle(handle, files, this.key_group_range, this.max_parallelism)) {
        const key_group = row_group.key_group;
        if (groups.has(key_group)) {
          throw new CorruptStateError(`key group ${key_group} appears in more than one handle`);
        }
        const states: StateMap = new Map();
        // Rows come in canonical order, so one state's rows (and one key's) are consecutive.
        // (The first row always differs from `undefined`, so the two maps below are replaced before their first use.)
        let last_state: string | undefined;
        let keys: KeyMap = new Map();
        let state_index: KeyIndex = new Map();
        const rows = row_group.rows;
        for (let i = 0; i < rows.length; i++) {
          const row = rows[i]!;
          const state = row[0];
          const key = row[1];
          const namespace = row[2];
          if (state !== last_state) {
            last_state = state;
            keys = states.get(state) ?? new Map();
            states.set(state, keys);
            state_index = index.get(state) ?? new Map();
            index.set(state, state_index);
          }
          let slot = keys.get(key);
          if (slot === undefined) {
            keys.set(key, (slot = { plain: undefined, namespaced: undefined }));
            if (!state_index.has(key)) state_index.set(key, { key_group, slot });
          }
          if (cell_of(slot, namespace) !== undefined) throw new CorruptStateError(`duplicate entry in key group ${key_group}`);
          add_cell(slot, namespace, row[3]);
          count++;
        }
        if (states.size > 0) groups.set(key_group, states);
      }
    }
    this.groups = groups;
    this.live_entries = count;
    this.index = index;
    this.last_state = undefined;
    this.last_state_keys = undefined;
    this.forget_last_lookup();
  }

  notify_checkpoint_complete(_checkpoint_id: number): void {}

  notify_checkpoint_aborted(_checkpoint_id: number): void {}

  /**
   * Sealed snapshot bytes: [u32 index length | index JSON | one JSON chunk per key group]. Each chunk is the row list
   * [state, key, namespace, value] in canonical order (state, then key, then namespace), written straight as UTF-8.
   */
  private serialize(): Uint8Array {
    const index: HeapSnapshotIndex = {
      format: 1, key_group_range: { ...this.key_group_range }, max_parallelism: this.max_parallelism, chunks: [],
    };
    const key_groups = [...this.groups.keys()];
    if (key_groups.length > 1) key_groups.sort((a, b) => a - b);
    let position = 0;
    for (const key_group of key_groups) {
      const states = this.groups.get(key_group) as StateMap;
      const chunk_start = position;
      position = write_byte(position, OPEN_BRACKET);
      let first = true;
      for (const state of sorted_keys(states)) {
        const keys = states.get(state)!;
        for (const key of sorted_keys(keys)) {
          // "" sorts before every other namespace.
          const slot = keys.get(key)!;
          if (slot.plain !== undefined) {
            if (!first) position = write_byte(position, COMMA);
            first = false;
            position = write_row(position, state, key, '', slot.plain.value);
          }
          const namespaces = slot.namespaced;
          if (namespaces === undefined) continue;
          for (const namespace of sorted_keys(namespaces)) {
            if (!first) position = write_byte(position, COMMA);
            first = false;
            position = write_row(position, state, key, namespace, namespaces.get(namespace)!.value);
          }
        }
      }
      position = write_byte(position, CLOSE_BRACKET);
      index.chunks.push({ key_group, offset: chunk_start, length: position - chunk_start });
    }
    const body_bytes = position;
    // The index is plain data, so the shared writer gives JSON.stringify's bytes without the intermediate string.
    const index_bytes = plain_json_bytes(index) ?? encoder.encode(JSON.stringify(index));
    const payload_bytes = 4 + index_bytes.length + body_bytes;
    reserve(body_bytes, payload_bytes - body_bytes);
    scratch.copyWithin(4 + index_bytes.length, 0, body_bytes);
    new DataView(scratch.buffer).setUint32(0, index_bytes.length);
    scratch.set(index_bytes, 4);
    return seal(SEALED_KIND.heap_snapshot, scratch.subarray(0, payload_bytes));
  }

  private check_key_group(key_group: number): void {
    const range = this.key_group_range;
    if (!(key_group >= range.start && key_group <= range.end && Number.isInteger(key_group))) {
      throw new Error(`key group ${key_group} is outside this backend's range [${this.key_group_range.start}, ${this.key_group_range.end}]`);
    }
  }
}

/** The bytes as text when they are valid pure ASCII (then byte offsets are string offsets), else undefined. */
function ascii_text(bytes: Uint8Array): string | undefined {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    return undefined;
  }
  return text.length === bytes.length ? text : undefined;
}

/**
 * Decode a heap handle, keeping only key groups inside `target_range`. Throws CorruptStateError on any defect. Only the
 * chunks of wanted key groups are parsed (the index gives their offsets).
 */
export function decode_heap_handle(
  handle: KeyedStateHandle, files: ReadonlyMap<string, Uint8Array>, target_range: KeyGroupRange, max_parallelism: number,
): { key_group: number; rows: HeapRow[] }[] {
  let sealed: Uint8Array;
  let where: string | undefined;
  if (handle.inline_sealed_base64 !== undefined) {
    if (handle.private_files.length !== 0) throw new CorruptStateError('heap handle has both inline state and files');
    sealed = base64_to_bytes(handle.inline_sealed_base64);
    where = `inline state of checkpoint ${handle.checkpoint_id}`;
  } else {
    if (handle.private_files.length !== 1) {
      throw new CorruptStateError(`heap handle must reference exactly one file, has ${handle.private_files.length}`);
    }
    const ref = handle.private_files[0]!;
    sealed = verified_file_bytes(ref, files);
    where = ref.path;
  }
  const opened = unseal_kind(sealed, SEALED_KIND.heap_snapshot);
  if (!opened.ok) throw new CorruptStateError(`heap snapshot rejected: ${opened.reason}`, where);
  const payload = opened.payload;
  try {
    if (payload.length < 4) throw new Error('payload shorter than its index length');
    const index_length = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
    if (4 + index_length > payload.length) throw new Error('index runs past the payload');
    const index = JSON.parse(decoder.decode(payload.subarray(4, 4 + index_length))) as HeapSnapshotIndex;
    if (index.format !== 1 || !Array.isArray(index.chunks)) throw new Error('unknown heap snapshot index format');
    if (index.max_parallelism !== max_parallelism) {
      throw new Error(`snapshot was taken with max parallelism ${index.max_parallelism}, this job uses ${max_parallelism}`);
    }
    const base = 4 + index_length;
    const body_text = ascii_text(payload.subarray(base));
    const out: { key_group: number; rows: HeapRow[] }[] = [];
    for (const chunk of index.chunks) {
      if (!in_range(handle.key_group_range, chunk.key_group)) throw new Error(`key group ${chunk.key_group} outside the handle's range`);
      if (!in_range(target_range, chunk.key_group)) continue;
      if (chunk.offset < 0 || base + chunk.offset + chunk.length > payload.length) throw new Error('chunk runs past the payload');
      const text = body_text !== undefined && Number.isInteger(chunk.offset) && Number.isInteger(chunk.length) && chunk.length >= 0
        ? body_text.slice(chunk.offset, chunk.offset + chunk.length)
        : decoder.decode(payload.subarray(base + chunk.offset, base + chunk.offset + chunk.length));
      const rows = JSON.parse(text) as HeapRow[];
      if (!Array.isArray(rows)) throw new Error('chunk is not a row list');
      for (const row of rows) {
        if (!Array.isArray(row) || row.length !== 4 || typeof row[0] !== 'string' || typeof row[1] !== 'string' || typeof row[2] !== 'string') {
          throw new Error('malformed row');
        }
      }
      out.push({ key_group: chunk.key_group, rows });
    }
    return out;
  } catch (error) {
    throw new CorruptStateError(`heap snapshot is malformed: ${error instanceof Error ? error.message : String(error)}`, where);
  }
}
