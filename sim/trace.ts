// The world's trace: every event as a TraceRecord (sim/trace-format.ts), folded into a rolling 64-bit hash (two
// 32-bit FNV-style lanes over numbers and interned string hashes, never JSON), and optionally handed to a sink
// (none, a bounded in-memory ring, or a line callback). The hash is the same whatever the sink.
import { TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceKind, type TraceRecord } from './trace-format.js';

/** Where records go besides the hash. `memory` keeps the last `max_records` records. */
export type TraceSink = 'none' | { memory: { max_records: number } } | { lines: (line: string) => void };

export interface TraceOptions {
  sink?: TraceSink;
  /** Scenario name written in the header. */
  scenario?: string;
}

const kind_codes: Record<TraceKind, number> = {
  header: 1,
  start: 2,
  crash: 3,
  pause: 4,
  resume: 5,
  send: 6,
  deliver: 7,
  drop: 8,
  link_break: 9,
  partition: 10,
  heal: 11,
  timer: 12,
  storage: 13,
  fault: 14,
  clock: 15,
  log: 16,
  probe: 17,
  violation: 18,
  phase: 19,
  end: 20,
  refused: 21,
};

const float_view = new Float64Array(1);
const float_words = new Uint32Array(float_view.buffer);

/** 32-bit FNV-1a over UTF-16 code units, mixed with the length. */
export function string_hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index++) {
    hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
  }
  return (hash ^ text.length) >>> 0;
}

/** Message summary used by send/deliver/drop records: its `type` field and `size_bytes` when present. */
export interface MessageSummary {
  type: string | undefined;
  size_bytes: number | undefined;
}

/**
 * The last string interned through it and its hash: a link's message types and a process's timer tags repeat, so
 * one entry per link or process skips most interning lookups.
 */
export class InternCache {
  text: string | undefined = undefined;
  hash = 0;
}

export class Trace {
  /** Records written so far (also the next record's seq). */
  count = 0;
  private lane_a = 0x811c9dc5 | 0;
  private lane_b = 0x2545f491 | 0;
  private readonly string_hashes = new Map<string, number>();
  private readonly max_interned_strings = 100_000;
  private readonly memory_records: TraceRecord[] | undefined;
  private readonly memory_max_records: number;
  private memory_next = 0;
  private readonly line_writer: ((line: string) => void) | undefined;
  /** True when records must be built as objects (a sink wants them). */
  readonly wants_records: boolean;

  constructor(
    readonly seed: number,
    options: TraceOptions = {},
  ) {
    const sink = options.sink ?? 'none';
    if (sink === 'none') {
      this.memory_records = undefined;
      this.memory_max_records = 0;
      this.line_writer = undefined;
    } else if ('memory' in sink) {
      if (!(Number.isInteger(sink.memory.max_records) && sink.memory.max_records > 0)) {
        throw new Error('Trace: memory sink needs a positive integer max_records');
      }
      this.memory_records = [];
      this.memory_max_records = sink.memory.max_records;
      this.line_writer = undefined;
    } else {
      this.memory_records = undefined;
      this.memory_max_records = 0;
      this.line_writer = sink.lines;
    }
    this.wants_records = this.memory_records !== undefined || this.line_writer !== undefined;
    this.record(0, 'header', undefined, {
      format: TRACE_FORMAT,
      version: TRACE_FORMAT_VERSION,
      seed,
      scenario: options.scenario ?? '',
    });
  }

  /** The rolling hash over every record so far, 16 hex digits. */
  hash_hex(): string {
    return (this.lane_a >>> 0).toString(16).padStart(8, '0') + (this.lane_b >>> 0).toString(16).padStart(8, '0');
  }

  /** Records kept by a memory sink, oldest first (empty for other sinks). */
  records(): TraceRecord[] {
    const kept = this.memory_records;
    if (kept === undefined) return [];
    if (kept.length < this.memory_max_records) return kept.slice();
    return kept.slice(this.memory_next).concat(kept.slice(0, this.memory_next));
  }

  private last_interned_text = '';
  private last_interned_hash = string_hash32('');

  private readonly json_strings = new Map<string, string>();

  /** JSON text of a string, cached (ids and message types repeat). */
  private json_string(text: string): string {
    let json = this.json_strings.get(text);
    if (json === undefined) {
      json = JSON.stringify(text);
      if (this.json_strings.size < this.max_interned_strings) this.json_strings.set(text, json);
    }
    return json;
  }

  /** Hash of a string, cached (node ids, message types, event names repeat). */
  intern(text: string): number {
    if (text === this.last_interned_text) return this.last_interned_hash;
    let hash = this.string_hashes.get(text);
    if (hash === undefined) {
      hash = string_hash32(text);
      if (this.string_hashes.size < this.max_interned_strings) this.string_hashes.set(text, hash);
    }
    this.last_interned_text = text;
    this.last_interned_hash = hash;
    return hash;
  }

  /** intern(text), answered from `cache` when it holds the same text. */
  intern_cached(cache: InternCache, text: string): number {
    if (text !== cache.text) {
      cache.hash = this.intern(text);
      cache.text = text;
    }
    return cache.hash;
  }

  private mix(word: number): void {
    this.lane_a = Math.imul(this.lane_a ^ word, 0x01000193);
    const b = Math.imul(this.lane_b ^ word, 0x5bd1e995);
    this.lane_b = b ^ (b >>> 15);
  }

  private mix_number(value: number): void {
    if ((value | 0) === value) {
      this.mix(value);
    } else {
      float_view[0] = value;
      this.mix(float_words[0] as number);
      this.mix(float_words[1] as number);
    }
  }

  private begin(kind_code: number, time_ms: number): void {
    this.count++;
    this.mix(kind_code);
    this.mix_number(time_ms);
  }

  private emit(record: TraceRecord): void {
    if (this.line_writer !== undefined) this.line_writer(JSON.stringify(record));
    const kept = this.memory_records;
    if (kept !== undefined) {
      if (kept.length < this.memory_max_records) {
        kept.push(record);
      } else {
        kept[this.memory_next] = record;
        this.memory_next = (this.memory_next + 1) % this.memory_max_records;
      }
    }
  }

  /**
   * The hot path: a send, deliver or drop record. `from_hash`/`to_hash` are interned hashes of the ids;
   * `reason` only for drops; `type_cache` (optional) caches the type's hash, e.g. per link.
   */
  message(
    kind: 'send' | 'deliver' | 'drop',
    time_ms: number,
    from: string,
    from_hash: number,
    to: string,
    to_hash: number,
    message_id: number,
    summary_type: string | undefined,
    summary_size_bytes: number | undefined,
    reason: string | undefined,
    type_cache?: InternCache,
  ): void {
    const seq = this.count++;
    // The same words as begin()/mix()/mix_number(), unrolled on locals: this is the hottest path of the world.
    const kind_code = kind === 'send' ? kind_codes.send : kind === 'deliver' ? kind_codes.deliver : kind_codes.drop;
    let a = this.lane_a;
    let b = this.lane_b;
    a = Math.imul(a ^ kind_code, 0x01000193);
    b = Math.imul(b ^ kind_code, 0x5bd1e995);
    b ^= b >>> 15;
    let time_low: number;
    let time_high: number;
    if ((time_ms | 0) === time_ms) {
      time_low = time_ms;
      a = Math.imul(a ^ time_low, 0x01000193);
      b = Math.imul(b ^ time_low, 0x5bd1e995);
      b ^= b >>> 15;
    } else {
      float_view[0] = time_ms;
      time_low = float_words[0] as number;
      time_high = float_words[1] as number;
      a = Math.imul(a ^ time_low, 0x01000193);
      b = Math.imul(b ^ time_low, 0x5bd1e995);
      b ^= b >>> 15;
      a = Math.imul(a ^ time_high, 0x01000193);
      b = Math.imul(b ^ time_high, 0x5bd1e995);
      b ^= b >>> 15;
    }
    a = Math.imul(a ^ from_hash, 0x01000193);
    b = Math.imul(b ^ from_hash, 0x5bd1e995);
    b ^= b >>> 15;
    a = Math.imul(a ^ to_hash, 0x01000193);
    b = Math.imul(b ^ to_hash, 0x5bd1e995);
    b ^= b >>> 15;
    this.lane_a = a;
    this.lane_b = b;
    this.mix_number(message_id);
    if (summary_type !== undefined) {
      this.mix(type_cache === undefined ? this.intern(summary_type) : this.intern_cached(type_cache, summary_type));
    }
    if (summary_size_bytes !== undefined) this.mix_number(summary_size_bytes);
    if (reason !== undefined) this.mix(this.intern(reason));
    if (!this.wants_records) return;
    const line_writer = this.line_writer;
    if (line_writer !== undefined) {
      // Built as text directly (same keys, same order as the object below): stringify per record is the slow part.
      const node = kind === 'deliver' ? to : from;
      let line = `{"seq":${seq},"time_ms":${json_number(time_ms)},"kind":"${kind}","node":${this.json_string(node)},"from":${this.json_string(from)},"to":${this.json_string(to)},"msg":{"id":${json_number(message_id)}`;
      if (summary_type !== undefined) line += `,"type":${this.json_string(summary_type)}`;
      if (summary_size_bytes !== undefined) line += `,"size_bytes":${json_number(summary_size_bytes)}`;
      line += '}';
      if (reason !== undefined) line += `,"reason":${this.json_string(reason)}`;
      line_writer(line + '}');
      return;
    }
    const msg: Record<string, unknown> = { id: message_id };
    if (summary_type !== undefined) msg.type = summary_type;
    if (summary_size_bytes !== undefined) msg.size_bytes = summary_size_bytes;
    const record: TraceRecord = { seq, time_ms, kind, node: kind === 'deliver' ? to : from, from, to, msg };
    if (reason !== undefined) record.reason = reason;
    this.emit(record);
  }

  /**
   * A timer fired on `node`; the tag is summarized (strings and numbers as they are, objects by `type`).
   * `tag_cache` (optional) caches the summary's hash, e.g. per process.
   */
  timer(time_ms: number, node: string, node_hash: number, handle: number, tag: unknown, tag_cache?: InternCache): void {
    const seq = this.count;
    this.begin(kind_codes.timer, time_ms);
    this.mix(node_hash);
    this.mix_number(handle);
    const tag_summary = summarize_tag(tag);
    if (typeof tag_summary === 'string') {
      this.mix(tag_cache === undefined ? this.intern(tag_summary) : this.intern_cached(tag_cache, tag_summary));
    }
    else if (typeof tag_summary === 'number') this.mix_number(tag_summary);
    if (!this.wants_records) return;
    const record: TraceRecord = { seq, time_ms, kind: 'timer', node, handle };
    if (tag_summary !== undefined) record.tag = tag_summary;
    this.emit(record);
  }

  /**
   * Any other record. `fields` must be plain JSON; it is hashed through its JSON text, so keep it small
   * (these records are rare compared with messages and timers).
   */
  record(time_ms: number, kind: TraceKind, node: string | undefined, fields?: Record<string, unknown>): void {
    const seq = this.count;
    this.begin(kind_codes[kind], time_ms);
    if (node !== undefined) this.mix(this.intern(node));
    if (!this.wants_records) {
      // No sink needs the text: hash the fields as their JSON text would be hashed, without building it.
      if (fields !== undefined) this.mix(fields_json_hash32(fields));
      return;
    }
    let fields_json: string | undefined;
    if (fields !== undefined) {
      fields_json = JSON.stringify(fields, plain_json);
      this.mix(string_hash32(fields_json));
    }
    const record: TraceRecord = { seq, time_ms, kind };
    if (node !== undefined) record.node = node;
    if (fields_json !== undefined) {
      const plain = JSON.parse(fields_json) as Record<string, unknown>;
      for (const key of Object.keys(plain)) {
        if (key !== 'seq' && key !== 'time_ms' && key !== 'kind' && key !== 'node') record[key] = plain[key];
      }
    }
    this.emit(record);
  }

  /**
   * A record derived from the records before it (a judge's finding): written to the sink with the next seq, but not
   * folded into the hash, so a run has the same hash whether or not anyone judged it.
   */
  annotate(time_ms: number, kind: TraceKind, node: string | undefined, fields: Record<string, unknown>): void {
    const seq = this.count++;
    if (!this.wants_records) return;
    const plain = JSON.parse(JSON.stringify(fields, plain_json)) as Record<string, unknown>;
    const record: TraceRecord = { seq, time_ms, kind };
    if (node !== undefined) record.node = node;
    for (const key of Object.keys(plain)) {
      if (key !== 'seq' && key !== 'time_ms' && key !== 'kind' && key !== 'node') record[key] = plain[key];
    }
    this.emit(record);
  }
}

/** What of a message goes into the trace: its `type` and `size_bytes` fields when present (never a deep copy). */
export function summarize_message(message: unknown): MessageSummary {
  if (message instanceof Uint8Array) return { type: undefined, size_bytes: message.length };
  if (typeof message === 'object' && message !== null) {
    const fields = message as { type?: unknown; size_bytes?: unknown };
    return {
      type: typeof fields.type === 'string' ? fields.type : undefined,
      size_bytes: typeof fields.size_bytes === 'number' ? fields.size_bytes : undefined,
    };
  }
  if (typeof message === 'string') return { type: message, size_bytes: undefined };
  return { type: undefined, size_bytes: undefined };
}

/** string_hash32(JSON.stringify(fields, plain_json)), without building the text when the fields are plain data. */
export function fields_json_hash32(fields: Record<string, unknown>): number {
  const text_hash = json_text_hash;
  text_hash.hash = 0x811c9dc5;
  text_hash.length = 0;
  if (text_hash.value(fields, 0)) return (text_hash.hash ^ text_hash.length) >>> 0;
  return string_hash32(JSON.stringify(fields, plain_json));
}

/** Deeper nesting goes to JSON.stringify (which also reports cycles). */
const max_json_depth = 64;
const hex_digits = '0123456789abcdef';

/** string_hash32's state (FNV-1a lane, text length in UTF-16 code units) over JSON text fed piece by piece. */
class JsonTextHash {
  hash = 0;
  length = 0;
  /** Decimal digits of the integer being hashed, lowest first (a safe integer has at most 16). */
  private readonly digits = new Uint8Array(16);

  unit(code: number): void {
    this.hash = Math.imul(this.hash ^ code, 0x01000193);
    this.length++;
  }

  /** Text that needs no JSON escaping (number text, literals). */
  plain(text: string): void {
    let hash = this.hash;
    for (let index = 0; index < text.length; index++) hash = Math.imul(hash ^ text.charCodeAt(index), 0x01000193);
    this.hash = hash;
    this.length += text.length;
  }

  /** A number as JSON.stringify writes it; safe integers digit by digit (no text built), others through String(). */
  number(value: number): void {
    if (!Number.isSafeInteger(value)) {
      this.plain(Number.isFinite(value) ? String(value) : 'null');
      return;
    }
    if (value < 0) this.unit(0x2d);
    // Digits from the lowest; (rest - digit) / 10 is exact for safe integers. -0 writes "0", as String(-0) does.
    const digits = this.digits;
    let rest = Math.abs(value);
    let count = 0;
    do {
      const digit = rest % 10;
      digits[count++] = digit;
      rest = (rest - digit) / 10;
    } while (rest > 0);
    let hash = this.hash;
    for (let index = count - 1; index >= 0; index--) hash = Math.imul(hash ^ (0x30 + (digits[index] as number)), 0x01000193);
    this.hash = hash;
    this.length += count;
  }

  /** A string as JSON.stringify quotes it: short escapes, \u00xx for other controls and for lone surrogates. */
  quoted(text: string): void {
    let hash = Math.imul(this.hash ^ 0x22, 0x01000193);
    let length = this.length + 2 + text.length;
    for (let index = 0; index < text.length; index++) {
      const code = text.charCodeAt(index);
      if (code >= 0x20 && code !== 0x22 && code !== 0x5c && (code & 0xf800) !== 0xd800) {
        hash = Math.imul(hash ^ code, 0x01000193);
        continue;
      }
      if (code >= 0xd800 && code <= 0xdbff && index + 1 < text.length) {
        const next = text.charCodeAt(index + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          hash = Math.imul(Math.imul(hash ^ code, 0x01000193) ^ next, 0x01000193);
          index++;
          continue;
        }
      }
      const escape = json_escape(code);
      for (let at = 0; at < escape.length; at++) hash = Math.imul(hash ^ escape.charCodeAt(at), 0x01000193);
      length += escape.length - 1;
    }
    this.hash = Math.imul(hash ^ 0x22, 0x01000193);
    this.length = length;
  }

  /**
   * One value's JSON text (strings, numbers, booleans, null, arrays and objects with the plain prototypes). False for
   * anything plain_json or a toJSON method would rewrite: the caller then stringifies instead.
   */
  value(value: unknown, depth: number): boolean {
    switch (typeof value) {
      case 'string':
        this.quoted(value);
        return true;
      case 'number':
        this.number(value);
        return true;
      case 'boolean':
        this.plain(value ? 'true' : 'false');
        return true;
      case 'object':
        break;
      default:
        return false;
    }
    if (value === null) {
      this.plain('null');
      return true;
    }
    if (depth >= max_json_depth) return false;
    if (Array.isArray(value)) {
      if (Object.getPrototypeOf(value) !== Array.prototype || (value as { toJSON?: unknown }).toJSON !== undefined) return false;
      this.unit(0x5b);
      for (let index = 0; index < value.length; index++) {
        if (index > 0) this.unit(0x2c);
        const element: unknown = value[index];
        if (element === undefined || typeof element === 'function' || typeof element === 'symbol') this.plain('null');
        else if (!this.value(element, depth + 1)) return false;
      }
      this.unit(0x5d);
      return true;
    }
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    const record = value as Record<string, unknown>;
    this.unit(0x7b);
    let first = true;
    // for...in over an object with a plain prototype visits its own enumerable string keys in Object.keys order.
    for (const key in record) {
      if (key === 'toJSON') return false;
      const field = record[key];
      if (field === undefined || typeof field === 'function' || typeof field === 'symbol') continue;
      if (!first) this.unit(0x2c);
      first = false;
      this.quoted(key);
      this.unit(0x3a);
      if (!this.value(field, depth + 1)) return false;
    }
    this.unit(0x7d);
    return true;
  }
}

const json_text_hash = new JsonTextHash();

/** The escape JSON.stringify writes for a code unit that cannot appear as it is inside a JSON string. */
function json_escape(code: number): string {
  switch (code) {
    case 0x22:
      return '\\"';
    case 0x5c:
      return '\\\\';
    case 0x08:
      return '\\b';
    case 0x09:
      return '\\t';
    case 0x0a:
      return '\\n';
    case 0x0c:
      return '\\f';
    case 0x0d:
      return '\\r';
    default:
      return '\\u' + hex_digits[(code >> 12) & 15] + hex_digits[(code >> 8) & 15] + hex_digits[(code >> 4) & 15] + hex_digits[code & 15];
  }
}

/** JSON text of a number, as JSON.stringify writes it (non-finite numbers become null). */
function json_number(value: number): string {
  return Number.isFinite(value) ? String(value) : 'null';
}

/** JSON replacer for trace fields: bigints as strings, byte arrays as their size (never their content). */
function plain_json(_key: string, value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (ArrayBuffer.isView(value)) return { size_bytes: value.byteLength };
  if (value instanceof Map) return Object.fromEntries(value);
  if (value instanceof Set) return [...value];
  return value;
}

function summarize_tag(tag: unknown): string | number | undefined {
  if (typeof tag === 'string' || typeof tag === 'number') return tag;
  if (typeof tag === 'object' && tag !== null) {
    const type = (tag as { type?: unknown; kind?: unknown }).type ?? (tag as { kind?: unknown }).kind;
    if (typeof type === 'string') return type;
  }
  return undefined;
}
