// LsmKeyedStateBackend: an embedded LSM-style keyed state store (in the spirit of Flink's RocksDB backend) with a
// bounded memtable, immutable sorted runs, bounded-run compaction and incremental checkpoints over shared run files.

import type {
  FileRef, KeyedSnapshot, KeyedStateBackend, KeyedStateHandle, KeyGroupRange, SnapshotFile, StateEntry,
} from '../backend.js';
import {
  CorruptStateError, HeapKeyedStateBackend, assert_key_group_range, compare_strings, in_range, verified_file_bytes,
} from '../heap-backend.js';
import { sealed_checksum_hex } from '../../util/sealed.js';
import { type LsmRecord, assert_sorted, compare_records, decode_run, encode_run, find_record, lower_bound, merge_runs } from './sorted-run.js';

export interface LsmBackendOptions {
  key_group_range: KeyGroupRange;
  max_parallelism: number;
  /** Memtable bound (distinct cells); a full memtable is flushed to a new run. Default 4096 (unless a byte bound is set). */
  memtable_max_entries?: number;
  /**
   * Flink's state.backend.rocksdb.writebuffer.size: the memtable is flushed to a new run once its cells take this many
   * bytes (keys, namespaces and values as stored). When set, it replaces the default cell bound.
   */
  write_buffer_size_bytes?: number;
  /**
   * Flink's state.backend.incremental (default true here, the backend's nature; scenarios pass Flink's default false):
   * false = full snapshots, every run uploaded afresh at each checkpoint, no file shared between checkpoints.
   */
  incremental?: boolean;
  /** Hard bound on sorted runs (≥ 2). Default 12. */
  max_runs?: number;
  /** Size-tiered compaction merges this many adjacent runs of the same size tier (≥ 2). Default 4. */
  compaction_fanout?: number;
}

/** An immutable run plus what the checkpoint machinery knows about its uploads. */
interface SortedRun {
  readonly seq: number;
  readonly records: readonly LsmRecord[];
  /**
   * The upload of this run that the newest completed checkpoint this backend was notified of (or restored from)
   * references. A snapshot references it only if every later snapshot still in flight references it too.
   */
  confirmed_ref: FileRef | undefined;
  /** Sealed bytes, cached while the run still needs uploading. */
  sealed_cache: Uint8Array | undefined;
}

/**
 * What a memtable cell takes (as RocksDB counts a write buffer): a fixed per-entry overhead, the state name, key and
 * namespace, and the value: 8 bytes for a number, a string's length, the JSON text's length otherwise, nothing for a
 * tombstone or null.
 */
const ENTRY_OVERHEAD_BYTES = 16;
function record_bytes(record: LsmRecord): number {
  const value = record.value;
  const value_bytes = value === undefined || value === null ? 0 : typeof value === 'number' ? 8 : typeof value === 'string' ? value.length : JSON.stringify(value).length;
  return ENTRY_OVERHEAD_BYTES + record.state.length + record.key.length + record.namespace.length + value_bytes;
}

/** Bound on snapshots awaiting their completion notification. */
const MAX_PENDING_UPLOAD_CHECKPOINTS = 64;

export class LsmKeyedStateBackend implements KeyedStateBackend {
  readonly backend_kind = 'lsm' as const;
  readonly key_group_range: KeyGroupRange;
  readonly max_parallelism: number;
  readonly memtable_max_entries: number;
  readonly write_buffer_size_bytes: number;
  readonly incremental: boolean;
  /** Bytes the memtable's cells take (see record_bytes). */
  private memtable_bytes = 0;
  readonly max_runs: number;
  readonly compaction_fanout: number;
  private memtable = new Map<string, LsmRecord>();
  /** Oldest first. */
  private runs: SortedRun[] = [];
  private next_run_seq = 1;
  private live_entries = 0;
  /**
   * Snapshots not yet notified complete (oldest first): checkpoint id → the file each run (by seq) was referenced
   * with. On completion these become the confirmed refs; while in flight they decide whether a confirmed ref is safe.
   */
  private readonly pending_snapshots = new Map<number, Map<number, FileRef>>();
  /** The newest completed checkpoint this backend was notified of or restored from (0: none). */
  private confirmed_checkpoint_id = 0;
  /** Counters for tests and benchmarks. */
  readonly stats = { flushes: 0, compactions: 0, uploaded_bytes: 0, referenced_bytes: 0 };

  constructor(options: LsmBackendOptions) {
    assert_key_group_range(options.key_group_range, options.max_parallelism);
    this.key_group_range = { ...options.key_group_range };
    this.max_parallelism = options.max_parallelism;
    this.write_buffer_size_bytes = options.write_buffer_size_bytes ?? Number.POSITIVE_INFINITY;
    this.memtable_max_entries = options.memtable_max_entries ?? (options.write_buffer_size_bytes === undefined ? 4096 : Number.POSITIVE_INFINITY);
    this.incremental = options.incremental ?? true;
    if (!(this.write_buffer_size_bytes >= 1)) throw new Error('write_buffer_size_bytes must be ≥ 1');
    this.max_runs = options.max_runs ?? 12;
    this.compaction_fanout = options.compaction_fanout ?? 4;
    if (this.compaction_fanout < 2) throw new Error('compaction_fanout must be ≥ 2');
    if (this.memtable_max_entries < 1) throw new Error('memtable_max_entries must be ≥ 1');
    if (this.max_runs < 2) throw new Error('max_runs must be ≥ 2');
  }

  get(state: string, key_group: number, key: string, namespace: string): unknown {
    this.check_key_group(key_group);
    const record = this.lookup(state, key_group, key, namespace);
    return record === undefined || record.deleted ? undefined : record.value;
  }

  put(state: string, key_group: number, key: string, namespace: string, value: unknown): void {
    this.check_key_group(key_group);
    if (value === undefined) throw new Error('put: value must not be undefined (use delete)');
    if (this.get(state, key_group, key, namespace) === undefined) this.live_entries++;
    this.write({ state, key_group, key, namespace, deleted: false, value });
  }

  delete(state: string, key_group: number, key: string, namespace: string): void {
    this.check_key_group(key_group);
    if (this.get(state, key_group, key, namespace) === undefined) return;
    this.live_entries--;
    this.write({ state, key_group, key, namespace, deleted: true, value: undefined });
  }

  entries(state: string, key_group: number): Iterable<StateEntry> {
    this.check_key_group(key_group);
    const newest = new Map<string, LsmRecord>();
    const consider = (r: LsmRecord): void => {
      newest.set(cell_key(r.state, r.key_group, r.key, r.namespace), r);
    };
    for (const run of this.runs) {
      for (let i = lower_bound(run.records, state, key_group, '', ''); i < run.records.length; i++) {
        const r = run.records[i] as LsmRecord;
        if (r.state !== state || r.key_group !== key_group) break;
        consider(r);
      }
    }
    for (const r of this.memtable.values()) if (r.state === state && r.key_group === key_group) consider(r);
    const out: StateEntry[] = [];
    for (const r of newest.values()) if (!r.deleted) out.push({ state, key_group, key: r.key, namespace: r.namespace, value: r.value });
    out.sort((a, b) => compare_strings(a.key, b.key) || compare_strings(a.namespace, b.namespace));
    return out;
  }

  size(): number {
    return this.live_entries;
  }

  export_entries(): Iterable<StateEntry> {
    const out = this.live_records().map((r): StateEntry => ({ state: r.state, key_group: r.key_group, key: r.key, namespace: r.namespace, value: r.value }));
    // Stryker disable next-line ConditionalExpression,StringLiteral: invariant (live count = live records) a correct backend cannot break
    if (out.length !== this.live_entries) throw new Error(`lsm backend: counted ${this.live_entries} entries, found ${out.length}`);
    return out;
  }

  /** Number of sorted runs (bounded by max_runs). */
  run_count(): number {
    return this.runs.length;
  }

  /** Records each sorted run stores, tombstones included, oldest run first (space amplification, compaction). */
  run_record_counts(): number[] {
    return this.runs.map((run) => run.records.length);
  }

  snapshot(checkpoint_id: number, path_prefix: string, shared_prefix: string): KeyedSnapshot {
    this.flush();
    const owner = path_prefix.split('/').filter((s) => s.length > 0).pop() ?? 'keyed';
    const shared_dir = shared_prefix.replace(/\/+$/, '');
    const shared_files: FileRef[] = [];
    const files_to_write: SnapshotFile[] = [];
    const refs = new Map<number, FileRef>();
    for (const run of this.runs) {
      const confirmed = run.confirmed_ref;
      // Full snapshots (incremental off) never reference an earlier checkpoint's file.
      if (this.incremental && confirmed !== undefined && this.retained_until_completion(run.seq, confirmed)) {
        shared_files.push(confirmed);
        refs.set(run.seq, confirmed);
        this.stats.referenced_bytes += confirmed.size_bytes;
        continue;
      }
      const bytes = run.sealed_cache ?? encode_run(run.records, this.max_parallelism);
      run.sealed_cache = bytes;
      const checksum = sealed_checksum_hex(bytes);
      // The checkpoint id in the name keeps each upload distinct, so discarding an aborted checkpoint's files never
      // removes a file another checkpoint uploaded.
      const ref: FileRef = { path: `${shared_dir}/${owner}-c${checkpoint_id}-r${run.seq}-${checksum}.sst`, size_bytes: bytes.length, checksum };
      shared_files.push(ref);
      files_to_write.push({ path: ref.path, bytes });
      refs.set(run.seq, ref);
      this.stats.uploaded_bytes += bytes.length;
    }
    this.pending_snapshots.delete(checkpoint_id);
    this.pending_snapshots.set(checkpoint_id, refs);
    if (this.pending_snapshots.size > MAX_PENDING_UPLOAD_CHECKPOINTS) {
      // Forgetting an in-flight snapshot loses what it referenced: stop trusting every confirmation instead.
      const oldest = this.pending_snapshots.keys().next().value as number;
      this.pending_snapshots.delete(oldest);
      this.forget_confirmations();
    }
    const handle: KeyedStateHandle = {
      backend: 'lsm',
      checkpoint_id,
      key_group_range: { ...this.key_group_range },
      private_files: [],
      shared_files,
    };
    return { handle, files_to_write };
  }

  restore(handles: KeyedStateHandle[], files: ReadonlyMap<string, Uint8Array>): void {
    const runs: SortedRun[] = [];
    let seq = this.next_run_seq;
    const seen_groups = new Set<number>();
    // Heap handles are how a canonical savepoint carries keyed state (Flink restores a canonical savepoint into any
    // backend): their entries become one new, unconfirmed run that the next snapshot uploads.
    const heap = new HeapKeyedStateBackend({ key_group_range: this.key_group_range, max_parallelism: this.max_parallelism });
    heap.restore(handles.filter((handle) => handle.backend !== 'lsm'), files);
    // export_entries comes in canonical order, the order of a run.
    const heap_records = [...heap.export_entries()].map((e): LsmRecord => ({ ...e, deleted: false }));
    assert_sorted(heap_records);
    for (const record of heap_records) seen_groups.add(record.key_group);
    if (heap_records.length > 0) runs.push({ seq: seq++, records: heap_records, confirmed_ref: undefined, sealed_cache: undefined });
    for (const handle of handles) {
      if (handle.backend !== 'lsm') continue;
      if (handle.inline_sealed_base64 !== undefined || handle.private_files.length !== 0) {
        throw new CorruptStateError('lsm handle carries inline state or private files it never writes');
      }
      for (let g = Math.max(handle.key_group_range.start, this.key_group_range.start); g <= Math.min(handle.key_group_range.end, this.key_group_range.end); g++) {
        if (seen_groups.has(g)) throw new CorruptStateError(`key group ${g} is covered by more than one handle`);
        seen_groups.add(g);
      }
      const keep: KeyGroupRange = {
        start: Math.max(handle.key_group_range.start, this.key_group_range.start),
        end: Math.min(handle.key_group_range.end, this.key_group_range.end),
      };
      for (const ref of handle.shared_files) {
        const bytes = verified_file_bytes(ref, files);
        const in_file = decode_run(bytes, this.max_parallelism, { start: 0, end: this.max_parallelism - 1 }, ref.path);
        const records = in_file.filter((r) => in_range(keep, r.key_group));
        // A restored run is the content of a completed checkpoint: referencing its file again is safe, but only if the
        // run holds all of it. A run clipped to fewer key groups (rescaling) is uploaded afresh, as Flink's RocksDB
        // backend re-uploads after a rescaled restore: re-reading the whole file under a wider range later (scale-in)
        // would bring back the other key groups' old records. A file with nothing in this range is not kept.
        if (records.length > 0) runs.push({ seq: seq++, records, confirmed_ref: records.length === in_file.length ? ref : undefined, sealed_cache: undefined });
      }
    }
    // Everything verified: only now replace the live state.
    this.runs = runs;
    this.memtable = new Map();
    this.memtable_bytes = 0;
    this.next_run_seq = seq;
    this.pending_snapshots.clear();
    this.confirmed_checkpoint_id = handles.reduce((max, h) => Math.max(max, h.checkpoint_id), 0);
    this.live_entries = this.live_records().length;
    this.compact();
  }

  /**
   * Checkpoint `checkpoint_id` completed: what it referenced is retained until a newer checkpoint completes. Each run
   * is confirmed with exactly the file that checkpoint used (runs it did not include lose their confirmation). A
   * late notification (older than one already processed) changes nothing; a completion of a snapshot this backend
   * does not know drops every confirmation (it cannot tell what is still retained).
   */
  notify_checkpoint_complete(checkpoint_id: number): void {
    if (checkpoint_id <= this.confirmed_checkpoint_id) return;
    const refs = this.pending_snapshots.get(checkpoint_id);
    for (const id of [...this.pending_snapshots.keys()]) if (id <= checkpoint_id) this.pending_snapshots.delete(id);
    this.confirmed_checkpoint_id = checkpoint_id;
    if (refs === undefined) {
      this.forget_confirmations();
      return;
    }
    for (const run of this.runs) {
      const ref = refs.get(run.seq);
      run.confirmed_ref = ref;
      // A confirmed run is referenced from now on; an unconfirmed one re-encodes (identically) on its next upload.
      run.sealed_cache = undefined;
    }
  }

  /**
   * A confirmed file stays registered until this snapshot finalizes only if every snapshot in flight references it
   * too: a newer checkpoint that uploaded its own copy would, on completing, release the confirmed checkpoint and
   * with it the file (the shared-file race with max_concurrent > 1 and late completion notifications).
   */
  private retained_until_completion(run_seq: number, confirmed: FileRef): boolean {
    for (const refs of this.pending_snapshots.values()) if (refs.get(run_seq) !== confirmed) return false;
    return true;
  }

  private forget_confirmations(): void {
    for (const run of this.runs) run.confirmed_ref = undefined;
  }

  /**
   * An aborted checkpoint may have been aborted because a referenced shared file was no longer registered (see
   * engine/checkpoint/README.md): forget every confirmation so the next snapshot uploads its runs afresh.
   */
  notify_checkpoint_aborted(checkpoint_id: number): void {
    this.pending_snapshots.delete(checkpoint_id);
    this.forget_confirmations();
  }

  private lookup(state: string, key_group: number, key: string, namespace: string): LsmRecord | undefined {
    const in_memtable = this.memtable.get(cell_key(state, key_group, key, namespace));
    if (in_memtable !== undefined) return in_memtable;
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const found = find_record((this.runs[i] as SortedRun).records, state, key_group, key, namespace);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  private write(record: LsmRecord): void {
    const cell = cell_key(record.state, record.key_group, record.key, record.namespace);
    const replaced = this.memtable.get(cell);
    if (replaced !== undefined) this.memtable_bytes -= record_bytes(replaced);
    this.memtable.delete(cell);
    this.memtable.set(cell, record);
    this.memtable_bytes += record_bytes(record);
    if (this.memtable.size >= this.memtable_max_entries || this.memtable_bytes >= this.write_buffer_size_bytes) this.flush();
  }

  private sorted_memtable(): LsmRecord[] {
    return [...this.memtable.values()].sort(compare_records);
  }

  /** Turn the memtable into a new (newest) run, then compact. */
  private flush(): void {
    if (this.memtable.size === 0) return;
    const records = this.sorted_memtable();
    assert_sorted(records);
    this.runs.push({ seq: this.next_run_seq++, records, confirmed_ref: undefined, sealed_cache: undefined });
    this.memtable = new Map();
    this.memtable_bytes = 0;
    this.stats.flushes++;
    this.compact();
  }

  /**
   * Size-tiered, order-preserving compaction: whenever `fanout` adjacent runs have similar sizes (largest ≤ 2 ×
   * smallest) they merge into one (newest windows first). The merge is about fanout times larger than its inputs, so
   * it is not similar to the next small runs: a record is rewritten about once per size tier and a checkpoint
   * uploads little more than what changed. If more than max_runs runs remain, the
   * adjacent pair with the fewest records merges (the hard bound). Merging into the oldest run drops tombstones.
   */
  private compact(): void {
    for (let merged = true; merged;) {
      merged = false;
      for (let i = this.runs.length - this.compaction_fanout; i >= 0; i--) {
        let smallest = Number.POSITIVE_INFINITY;
        let largest = 0;
        for (let j = i; j < i + this.compaction_fanout; j++) {
          const size = Math.max(1, (this.runs[j] as SortedRun).records.length);
          smallest = Math.min(smallest, size);
          largest = Math.max(largest, size);
        }
        if (largest > 2 * smallest) continue;
        this.merge_window(i, this.compaction_fanout);
        merged = true;
        break;
      }
    }
    while (this.runs.length > this.max_runs) {
      let best = 0;
      let best_size = Number.POSITIVE_INFINITY;
      for (let i = 0; i + 1 < this.runs.length; i++) {
        const size = (this.runs[i] as SortedRun).records.length + (this.runs[i + 1] as SortedRun).records.length;
        if (size < best_size) { best = i; best_size = size; }
      }
      this.merge_window(best, 2);
    }
  }

  /** Replace runs[start, start + count) by their merge (a new, unconfirmed run). */
  private merge_window(start: number, count: number): void {
    let records: LsmRecord[] = [];
    for (let j = start; j < start + count; j++) records = merge_runs(records, (this.runs[j] as SortedRun).records, false);
    if (start === 0) records = records.filter((r) => !r.deleted);
    this.runs.splice(start, count, { seq: this.next_run_seq++, records, confirmed_ref: undefined, sealed_cache: undefined });
    this.stats.compactions++;
  }

  /** Every live record in canonical order: runs oldest first, then the memtable, newest wins, tombstones dropped. */
  private live_records(): LsmRecord[] {
    return [...this.runs.map((run) => run.records), this.sorted_memtable()]
      .reduce<LsmRecord[]>((merged, newer) => merge_runs(merged, newer, true), []);
  }

  private check_key_group(key_group: number): void {
    if (!Number.isInteger(key_group) || !in_range(this.key_group_range, key_group)) {
      throw new Error(`key group ${key_group} is outside this backend's range [${this.key_group_range.start}, ${this.key_group_range.end}]`);
    }
  }
}

/** Unambiguous memtable key: lengths prefix the free-form strings. */
function cell_key(state: string, key_group: number, key: string, namespace: string): string {
  return `${state.length}|${state}|${key_group}|${key.length}|${key}|${namespace}`;
}
