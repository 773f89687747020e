// The explorer's trace reader: one pass builds a columnar index (byte offset, time, kind, node, flags per line in
// typed arrays), then records are read lazily from the file by offset through a bounded LRU cache of parsed records.
import * as fs from 'node:fs';
import {
  FIELD_A,
  FIELD_EVENT,
  FIELD_FROM,
  FIELD_INCARNATION,
  FIELD_KIND,
  FIELD_NODE,
  FIELD_TARGET,
  FIELD_TIME_MS,
  FIELD_TO,
  JsonScanResult,
  scan_json_line,
  VALUE_STRING,
  VALUE_STRING_ESCAPED,
} from './json-scan.js';
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceRecord } from '../../sim/trace-format.js';
import { SUSPICIOUS_ENGINE_EVENTS } from '../../engine/events.js';

export const FLAG_FAULT = 1;
export const FLAG_CHECKPOINT = 2;
export const FLAG_RECOVERY = 4;
export const FLAG_VIOLATION = 8;
/** An engine event the registry marks suspicious (engine/events.ts): data loss, an expired transaction, a refused restore. */
export const FLAG_SUSPICIOUS = 16;

/** Timeline glyph per line; a larger code wins when several lines share a time bucket. */
export const GLYPH_NONE = 0;
export const GLYPH_ACTIVITY = 1;
export const GLYPH_PAUSE = 2;
export const GLYPH_START = 3;
export const GLYPH_CHECKPOINT_TRIGGERED = 4;
export const GLYPH_CHECKPOINT_COMPLETED = 5;
export const GLYPH_CHECKPOINT_ABORTED = 6;
export const GLYPH_RECOVERY = 7;
/** Other suspicious engine events: a failed commit or task, a refused restore, a lost TaskManager. */
export const GLYPH_SUSPICIOUS = 8;
export const GLYPH_TXN_EXPIRED = 9;
export const GLYPH_FAULT = 10;
export const GLYPH_CRASH = 11;
export const GLYPH_DATA_LOSS = 12;
export const GLYPH_VIOLATION = 13;
/** Characters drawn for each glyph code (index = code). */
export const GLYPH_CHARS = [' ', '.', 'P', 'S', 'c', 'C', 'A', 'R', '?', 'E', '!', 'X', 'L', 'V'] as const;

const SUSPICIOUS_EVENTS: ReadonlySet<string> = new Set(SUSPICIOUS_ENGINE_EVENTS);

/** Lane name for records that are not about one process (partitions, phases, violations without a node). */
export const WORLD_LANE = '(world)';

/** Bounds: distinct kind labels and node names are stored in 16-bit columns. */
const max_distinct_labels = 65_535;
const read_chunk_bytes = 8 << 20;
const default_record_cache_entries = 4_096;

export class TraceFormatError extends Error {
  constructor(
    readonly path: string,
    /** 1-based line number of the bad line, or 0 when the file itself could not be read. */
    readonly line_number: number,
    readonly reason: string,
  ) {
    super(line_number > 0 ? `${path}:${line_number}: ${reason}` : `${path}: ${reason}`);
    this.name = 'TraceFormatError';
  }
}

/** Bounded least-recently-used cache (a Map keeps insertion order; re-inserting marks a hit as recent). */
export class LruCache<K, V> {
  private readonly entries = new Map<K, V>();
  constructor(readonly max_entries: number) {}
  get(key: K): V | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }
  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.max_entries) {
      const oldest = this.entries.keys().next();
      if (oldest.done === true) break;
      this.entries.delete(oldest.value);
    }
  }
  get size(): number {
    return this.entries.size;
  }
}

/** Growable typed column; capacity doubles, never beyond what the trace needs. */
class Column<T extends Float64Array | Uint32Array | Uint16Array | Uint8Array> {
  data: T;
  constructor(private readonly make: (length: number) => T, capacity: number) {
    this.data = make(capacity);
  }
  ensure(length: number): void {
    if (length <= this.data.length) return;
    const next = this.make(Math.max(length, this.data.length * 2));
    next.set(this.data);
    this.data = next;
  }
  trimmed(length: number): T {
    return this.data.subarray(0, length) as T;
  }
}

export function kind_label_of(record: TraceRecord): string {
  return record.kind === 'log' && typeof record.event === 'string' ? `log:${record.event}` : record.kind;
}

/** A fault target names a process when it is a plain name (not "jm<->tm-1" or a partition description). */
const process_name_pattern = /^[A-Za-z0-9_.:-]+$/;

/**
 * The lane a record belongs to: its node, else (for deliver) its receiver, else the process it targets when the
 * target is a plain process name, else its sender or first link end, else the world lane.
 */
export function lane_of(record: TraceRecord): string {
  if (typeof record.node === 'string') return record.node;
  if (record.kind === 'deliver' && typeof record['to'] === 'string') return record['to'];
  const target = record['target'];
  if (typeof target === 'string' && process_name_pattern.test(target)) return target;
  for (const field of ['from', 'a'] as const) {
    const value = record[field];
    if (typeof value === 'string') return value;
  }
  return WORLD_LANE;
}

function is_process_name_bytes(buffer: Buffer, start: number, end: number): boolean {
  if (end <= start) return false;
  for (let i = start; i < end; i++) {
    const byte = buffer[i] as number;
    const is_name_byte =
      (byte >= 0x30 && byte <= 0x3a) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte === 0x5f || byte === 0x2e || byte === 0x2d;
    if (!is_name_byte) return false;
  }
  return true;
}

/** Flags (high byte) and glyph (low byte) of a line, from its kind and, for kind "log", its event name. */
function classify(kind: string, event: string | undefined): number {
  switch (kind) {
    case 'fault':
    case 'partition':
    case 'link_break':
      return (FLAG_FAULT << 8) | GLYPH_FAULT;
    case 'crash':
      return (FLAG_FAULT << 8) | GLYPH_CRASH;
    case 'pause':
      return (FLAG_FAULT << 8) | GLYPH_PAUSE;
    case 'start': // a first start is plain activity; restarts (incarnation > 0) get their glyph per line
      return GLYPH_ACTIVITY;
    case 'violation':
      return (FLAG_VIOLATION << 8) | GLYPH_VIOLATION;
    case 'log': {
      if (event === undefined) return GLYPH_ACTIVITY;
      if (SUSPICIOUS_EVENTS.has(event)) {
        const area = event.startsWith('checkpoint.') ? FLAG_CHECKPOINT : event.startsWith('recovery.') ? FLAG_RECOVERY : 0;
        const glyph = event.endsWith('data_loss')
          ? GLYPH_DATA_LOSS
          : event === 'txstore.txn_expired'
            ? GLYPH_TXN_EXPIRED
            : event.startsWith('checkpoint.')
              ? GLYPH_CHECKPOINT_ABORTED
              : GLYPH_SUSPICIOUS;
        return ((FLAG_SUSPICIOUS | area) << 8) | glyph;
      }
      if (event.startsWith('checkpoint.')) {
        const glyph = event.endsWith('completed')
          ? GLYPH_CHECKPOINT_COMPLETED
          : event.endsWith('aborted') || event.endsWith('failed') || event.endsWith('declined')
            ? GLYPH_CHECKPOINT_ABORTED
            : GLYPH_CHECKPOINT_TRIGGERED;
        return (FLAG_CHECKPOINT << 8) | glyph;
      }
      if (event.startsWith('recovery.')) return (FLAG_RECOVERY << 8) | GLYPH_RECOVERY;
      return GLYPH_ACTIVITY;
    }
    default:
      return GLYPH_ACTIVITY;
  }
}

/**
 * Maps the bytes of a short string value to a small code without decoding it (the same few kinds and node names
 * repeat on every line). Bounded by the caller: it only adds entries while codes remain.
 */
class ByteInterner {
  private readonly by_hash = new Map<number, { bytes: Buffer; code: number }[]>();
  private static hash(buffer: Buffer, start: number, end: number): number {
    let hash = 0x811c9dc5;
    for (let i = start; i < end; i++) hash = Math.imul(hash ^ (buffer[i] as number), 0x01000193);
    return hash >>> 0;
  }
  lookup(buffer: Buffer, start: number, end: number): number | undefined {
    const bucket = this.by_hash.get(ByteInterner.hash(buffer, start, end));
    if (bucket === undefined) return undefined;
    const length = end - start;
    for (const entry of bucket) {
      const bytes = entry.bytes;
      if (bytes.length !== length) continue;
      let same = true;
      for (let i = 0; i < length; i++) {
        if (bytes[i] !== buffer[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return entry.code;
    }
    return undefined;
  }
  add(buffer: Buffer, start: number, end: number, code: number): void {
    const hash = ByteInterner.hash(buffer, start, end);
    const bytes = Buffer.from(buffer.subarray(start, end));
    const bucket = this.by_hash.get(hash);
    if (bucket === undefined) this.by_hash.set(hash, [{ bytes, code }]);
    else bucket.push({ bytes, code });
  }
}

export interface TraceIndexOptions {
  record_cache_entries?: number;
}

interface TraceIndexColumns {
  line_count: number;
  offsets: Float64Array;
  lengths: Uint32Array;
  time_ms: Float64Array;
  kind_codes: Uint16Array;
  node_codes: Uint16Array;
  flags: Uint8Array;
  glyphs: Uint8Array;
  special_lines: Uint32Array;
  kind_labels: string[];
  node_names: string[];
  time_sorted: boolean;
  has_end: boolean;
  header: TraceRecord;
  size_bytes: number;
  torn_tail: TornTail | undefined;
}

/** The last line of a trace whose writer was killed mid-line: left out of the index. */
export interface TornTail {
  /** 1-based line number of the torn line. */
  line_number: number;
  size_bytes: number;
  /** Why it did not parse. */
  reason: string;
}

/** An opened, validated trace. Line numbers here are 0-based (line 0 is the header). */
export class TraceIndex {
  readonly line_count: number;
  /** Byte offset of each line's first byte. */
  readonly offsets: Float64Array;
  /** Bytes in each line, newline excluded. */
  readonly lengths: Uint32Array;
  readonly time_ms: Float64Array;
  readonly kind_codes: Uint16Array;
  readonly node_codes: Uint16Array;
  readonly flags: Uint8Array;
  readonly glyphs: Uint8Array;
  /** Lines with a glyph above plain activity, ascending: what the timeline draws. */
  readonly special_lines: Uint32Array;
  readonly kind_labels: string[];
  readonly node_names: string[];
  readonly time_sorted: boolean;
  readonly has_end: boolean;
  readonly header: TraceRecord;
  readonly size_bytes: number;
  /** Set when the last line was torn (a killed run): the index holds every line before it. */
  readonly torn_tail: TornTail | undefined;
  private readonly fd: number;
  private readonly cache: LruCache<number, TraceRecord>;
  private closed = false;

  private constructor(readonly path: string, fd: number, fields: TraceIndexColumns, cache_entries: number) {
    this.fd = fd;
    this.line_count = fields.line_count;
    this.offsets = fields.offsets;
    this.lengths = fields.lengths;
    this.time_ms = fields.time_ms;
    this.kind_codes = fields.kind_codes;
    this.node_codes = fields.node_codes;
    this.flags = fields.flags;
    this.glyphs = fields.glyphs;
    this.special_lines = fields.special_lines;
    this.kind_labels = fields.kind_labels;
    this.node_names = fields.node_names;
    this.time_sorted = fields.time_sorted;
    this.has_end = fields.has_end;
    this.header = fields.header;
    this.size_bytes = fields.size_bytes;
    this.torn_tail = fields.torn_tail;
    this.cache = new LruCache(cache_entries);
  }

  /** Reads the whole file once, validating every line; throws TraceFormatError naming the first bad line. */
  static open(path: string, options: TraceIndexOptions = {}): TraceIndex {
    let fd: number;
    try {
      fd = fs.openSync(path, 'r');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
      throw new TraceFormatError(path, 0, code === 'ENOENT' ? 'no such file' : `cannot open (${code})`);
    }
    try {
      return TraceIndex.build(path, fd, options.record_cache_entries ?? default_record_cache_entries);
    } catch (error) {
      fs.closeSync(fd);
      throw error;
    }
  }

  private static build(path: string, fd: number, cache_entries: number): TraceIndex {
    const size_bytes = fs.fstatSync(fd).size;
    const estimated_lines = Math.max(16, Math.ceil(size_bytes / 96));
    const offsets = new Column((n) => new Float64Array(n), estimated_lines);
    const lengths = new Column((n) => new Uint32Array(n), estimated_lines);
    const times = new Column((n) => new Float64Array(n), estimated_lines);
    const kind_codes = new Column((n) => new Uint16Array(n), estimated_lines);
    const node_codes = new Column((n) => new Uint16Array(n), estimated_lines);
    const flags = new Column((n) => new Uint8Array(n), estimated_lines);
    const glyphs = new Column((n) => new Uint8Array(n), estimated_lines);
    const special = new Column((n) => new Uint32Array(n), 1024);
    let special_count = 0;
    const kind_labels: string[] = [];
    const kind_code_of = new Map<string, number>();
    const node_names: string[] = [WORLD_LANE];
    const node_code_of = new Map<string, number>([[WORLD_LANE, 0]]);
    const scan = new JsonScanResult();
    const code_for = (map: Map<string, number>, names: string[], name: string): number => {
      let code = map.get(name);
      if (code === undefined) {
        if (names.length >= max_distinct_labels) return 0;
        code = names.length;
        names.push(name);
        map.set(name, code);
      }
      return code;
    };

    const classified_by_kind_code: number[] = [];
    const label_code = (label: string): number => {
      const code = code_for(kind_code_of, kind_labels, label);
      if (classified_by_kind_code[code] === undefined) {
        const is_log = label.startsWith('log:');
        classified_by_kind_code[code] = classify(is_log ? 'log' : label, is_log ? label.slice(4) : undefined);
      }
      return code;
    };
    const kind_interner = new ByteInterner();
    const event_interner = new ByteInterner();
    const node_interner = new ByteInterner();
    const interned = (interner: ByteInterner, field: number, to_code: (text: string) => number): number => {
      const start = scan.starts[field] ?? 0;
      const end = scan.ends[field] ?? 0;
      if (scan.types[field] === VALUE_STRING) {
        const start_in_chunk = start;
        const known = interner.lookup(chunk, start_in_chunk, end);
        if (known !== undefined) return known;
        const code = to_code(chunk.toString('utf8', start, end));
        if (kind_labels.length < max_distinct_labels && node_names.length < max_distinct_labels) interner.add(chunk, start, end, code);
        return code;
      }
      return to_code(scan.string_field(chunk, field) ?? '');
    };
    let log_code = -1;
    let start_code = -1;
    const kind_code_for_scan = (scanned: JsonScanResult): number => {
      const kind_code = interned(kind_interner, FIELD_KIND, label_code);
      if (log_code < 0 && kind_labels[kind_code] === 'log') log_code = kind_code;
      if (start_code < 0 && kind_labels[kind_code] === 'start') start_code = kind_code;
      if (kind_code !== log_code) return kind_code;
      const event_type = scanned.types[FIELD_EVENT];
      if (event_type !== VALUE_STRING && event_type !== VALUE_STRING_ESCAPED) return kind_code;
      return interned(event_interner, FIELD_EVENT, (event) => label_code(`log:${event}`));
    };
    const node_for_text = (name: string): number => code_for(node_code_of, node_names, name);
    const is_string = (field: number): boolean =>
      scan.types[field] === VALUE_STRING || scan.types[field] === VALUE_STRING_ESCAPED;
    const node_code_for_scan = (scanned: JsonScanResult, kind_code: number): number => {
      if (is_string(FIELD_NODE)) return interned(node_interner, FIELD_NODE, node_for_text);
      if (kind_labels[kind_code] === 'deliver' && is_string(FIELD_TO)) return interned(node_interner, FIELD_TO, node_for_text);
      if (scanned.types[FIELD_TARGET] === VALUE_STRING && is_process_name_bytes(chunk, scanned.starts[FIELD_TARGET] ?? 0, scanned.ends[FIELD_TARGET] ?? 0)) {
        return interned(node_interner, FIELD_TARGET, node_for_text);
      }
      for (const field of [FIELD_FROM, FIELD_A]) {
        if (scanned.types[field] === VALUE_STRING || scanned.types[field] === VALUE_STRING_ESCAPED) {
          return interned(node_interner, field, node_for_text);
        }
      }
      return 0;
    };

    let line_count = 0;
    let header: TraceRecord | undefined;
    let last_kind_code = -1;
    let time_sorted = true;
    let previous_time_ms = -Infinity;
    const chunk = Buffer.allocUnsafe(read_chunk_bytes);
    let chunk_base = 0; // file offset of chunk[0]
    let filled = 0; // bytes of chunk holding file data
    let file_position = 0;
    let blank_line_number = 0; // a blank line is only allowed as the very last thing in the file
    let torn_tail: TornTail | undefined;
    /** Bytes the index covers: the whole file, unless a torn last line is left out. */
    let indexed_bytes = size_bytes;

    const index_line = (line_start: number, line_end: number): void => {
      const line_number = line_count + 1;
      if (line_end === line_start) {
        if (blank_line_number === 0) blank_line_number = line_number;
        return;
      }
      if (blank_line_number !== 0) throw new TraceFormatError(path, blank_line_number, 'blank line inside the trace');
      scan_json_line(chunk, line_start - chunk_base, line_end - chunk_base, scan);
      if (scan.error !== undefined) {
        throw new TraceFormatError(path, line_number, `malformed JSON: ${scan.error} at column ${scan.error_at + 1}`);
      }
      if (!scan.is_object) throw new TraceFormatError(path, line_number, 'a trace line must be a JSON object');
      if (scan.types[FIELD_KIND] !== VALUE_STRING && scan.types[FIELD_KIND] !== VALUE_STRING_ESCAPED) {
        throw new TraceFormatError(path, line_number, 'missing string field "kind"');
      }
      const time_ms = scan.number_field(chunk, FIELD_TIME_MS);
      if (time_ms === undefined || !Number.isFinite(time_ms)) {
        throw new TraceFormatError(path, line_number, 'missing numeric field "time_ms"');
      }
      if (line_count === 0) {
        const record = JSON.parse(chunk.toString('utf8', line_start - chunk_base, line_end - chunk_base)) as TraceRecord;
        if (record.kind !== 'header' || record['format'] !== TRACE_FORMAT) {
          throw new TraceFormatError(path, 1, `not a streamsim trace: the first line must be a header with format "${TRACE_FORMAT}"`);
        }
        if (record['version'] !== TRACE_FORMAT_VERSION) {
          throw new TraceFormatError(path, 1, `unsupported trace version ${JSON.stringify(record['version'])} (this explorer reads version ${TRACE_FORMAT_VERSION})`);
        }
        header = record;
      }
      const kind_code = kind_code_for_scan(scan);
      const node_code = node_code_for_scan(scan, kind_code);
      const at = line_count;
      if (at >= offsets.data.length) {
        const needed = at + 1;
        for (const column of [offsets, lengths, times, kind_codes, node_codes, flags, glyphs]) column.ensure(needed);
      }
      offsets.data[at] = line_start;
      lengths.data[at] = line_end - line_start;
      times.data[at] = time_ms;
      if (time_ms < previous_time_ms) time_sorted = false;
      previous_time_ms = time_ms;
      kind_codes.data[at] = kind_code;
      node_codes.data[at] = node_code;
      let classified = classified_by_kind_code[kind_code] as number;
      if (kind_code === start_code && (scan.number_field(chunk, FIELD_INCARNATION) ?? 0) > 0) classified = GLYPH_START;
      flags.data[at] = classified >> 8;
      glyphs.data[at] = classified & 0xff;
      if ((classified & 0xff) > GLYPH_ACTIVITY) {
        special.ensure(special_count + 1);
        special.data[special_count++] = at;
      }
      last_kind_code = kind_code;
      line_count += 1;
    };

    for (;;) {
      const read = fs.readSync(fd, chunk, filled, chunk.length - filled, file_position);
      file_position += read;
      filled += read;
      const at_eof = read === 0;
      let line_start = chunk_base;
      let scan = 0;
      for (;;) {
        const newline = chunk.indexOf(10, scan);
        if (newline < 0 || newline >= filled) break;
        index_line(line_start, chunk_base + newline);
        line_start = chunk_base + newline + 1;
        scan = newline + 1;
      }
      if (at_eof) {
        if (line_start < chunk_base + filled) {
          // An unterminated last line is what a killed run leaves (its writer was cut mid-line): keep every whole
          // line before it and say what was dropped, instead of refusing the trace.
          try {
            index_line(line_start, chunk_base + filled);
          } catch (error) {
            if (!(error instanceof TraceFormatError) || line_count === 0) throw error;
            torn_tail = { line_number: line_count + 1, size_bytes: chunk_base + filled - line_start, reason: error.reason };
            indexed_bytes = line_start;
          }
        }
        break;
      }
      const carried = chunk_base + filled - line_start;
      if (carried >= chunk.length) {
        throw new TraceFormatError(path, line_count + 1, `line longer than ${chunk.length} bytes`);
      }
      chunk.copy(chunk, 0, line_start - chunk_base, filled);
      chunk_base = line_start;
      filled = carried;
    }
    if (header === undefined) throw new TraceFormatError(path, 1, 'empty file: expected a header line');

    return new TraceIndex(
      path,
      fd,
      {
        line_count,
        offsets: offsets.trimmed(line_count),
        lengths: lengths.trimmed(line_count),
        time_ms: times.trimmed(line_count),
        kind_codes: kind_codes.trimmed(line_count),
        node_codes: node_codes.trimmed(line_count),
        flags: flags.trimmed(line_count),
        glyphs: glyphs.trimmed(line_count),
        special_lines: special.trimmed(special_count),
        kind_labels,
        node_names,
        time_sorted,
        has_end: kind_labels[last_kind_code] === 'end',
        header,
        size_bytes: indexed_bytes,
        torn_tail,
      },
      cache_entries,
    );
  }

  /** Raw bytes of `[start_byte, start_byte + length)`; `into` is reused when large enough. */
  read_bytes(start_byte: number, length: number, into?: Buffer): Buffer {
    const buffer = into !== undefined && into.length >= length ? into : Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      const read = fs.readSync(this.fd, buffer, done, length - done, start_byte + done);
      if (read === 0) break;
      done += read;
    }
    return buffer.subarray(0, done);
  }

  /** The text of a line exactly as stored. */
  raw(line: number): string {
    const offset = this.offsets[line];
    const length = this.lengths[line];
    if (offset === undefined || length === undefined) throw new RangeError(`line ${line} is outside the trace`);
    return this.read_bytes(offset, length).toString('utf8');
  }

  /**
   * The parsed record of a line, through the LRU cache. If the file changed after indexing and the line no longer
   * parses, a stand-in record of kind "unreadable" says so instead of failing the screen.
   */
  line(line: number): TraceRecord {
    const cached = this.cache.get(line);
    if (cached !== undefined) return cached;
    let record: TraceRecord;
    try {
      record = JSON.parse(this.raw(line)) as TraceRecord;
    } catch (error) {
      return { seq: line, time_ms: this.time_ms[line] ?? 0, kind: 'unreadable' as TraceRecord['kind'], error: (error as Error).message };
    }
    this.cache.set(line, record);
    return record;
  }

  get cached_record_count(): number {
    return this.cache.size;
  }

  /** The line containing byte `position` (binary search over offsets). */
  line_at_byte(position: number): number {
    let low = 0;
    let high = this.line_count - 1;
    while (low < high) {
      const mid = (low + high + 1) >>> 1;
      if ((this.offsets[mid] ?? 0) <= position) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** First line whose time is at or after `time_ms` (the last line when none is). */
  first_line_at_time(time_ms: number): number {
    if (!this.time_sorted) {
      for (let line = 0; line < this.line_count; line++) if ((this.time_ms[line] ?? 0) >= time_ms) return line;
      return this.line_count - 1;
    }
    let low = 0;
    let high = this.line_count;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if ((this.time_ms[mid] ?? 0) < time_ms) low = mid + 1;
      else high = mid;
    }
    return Math.min(low, this.line_count - 1);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
