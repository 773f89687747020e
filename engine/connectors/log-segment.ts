// The bytes of one log broker disk segment: the UTF-8 encoding of JSON.stringify(records). Plain-data records (values
// that are ASCII strings, numbers, booleans, null or flat objects of those) are written straight to bytes without the
// intermediate string; a segment holding anything else is encoded through JSON.stringify, so the bytes never differ.
import type { LogRecord } from './log-broker.js';

const encoder = new TextEncoder();

/** UTF-8 bytes of `JSON.stringify(records)`. */
export function encodeSegment(records: readonly LogRecord[]): Uint8Array {
  const writer = new PlainJsonWriter(scratch);
  const written = writer.records(records);
  // Keep the grown buffer for the next segment: a segment is copied out of it, never handed out.
  scratch = writer.buffer;
  return written ? writer.bytes() : encoder.encode(JSON.stringify(records));
}

/** The writer's buffer, reused across segments (grown to the largest segment written so far). */
let scratch: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 16);

const RECORD_FIELDS = ['value', 'timestamp_ms'] as const;
const OPEN_RECORD = encoder.encode('{"value":');
const RECORD_TIMESTAMP = encoder.encode(',"timestamp_ms":');
const TRUE = encoder.encode('true');
const FALSE = encoder.encode('false');
const NULL = encoder.encode('null');
const MAX_INT32 = 0x7fffffff;
/** Digits of the largest int32 (2147483647). */
const MAX_INT32_DIGITS = 10;

/**
 * Writes the JSON of plain data into a growing byte buffer. Every method returns false, having written garbage, when
 * it meets something whose JSON it does not write itself (non-ASCII or escaped characters, non-finite numbers,
 * undefined, nested objects, arrays, class instances): the caller then encodes through JSON.stringify instead.
 */
class PlainJsonWriter {
  private length_bytes = 0;

  constructor(public buffer: Uint8Array<ArrayBuffer>) {}

  bytes(): Uint8Array<ArrayBuffer> {
    return this.buffer.slice(0, this.length_bytes);
  }

  records(records: readonly LogRecord[]): boolean {
    this.byte(0x5b); // [
    for (let i = 0; i < records.length; i++) {
      if (i > 0) this.byte(0x2c); // ,
      if (!this.record(records[i]!)) return false;
    }
    this.byte(0x5d); // ]
    return true;
  }

  /** `{"value":…,"timestamp_ms":…}`, only for a plain object with exactly those two fields in that order. */
  private record(record: LogRecord): boolean {
    if (!isPlainObject(record)) return false;
    let fields = 0;
    for (const name in record) {
      if (name !== RECORD_FIELDS[fields]) return false;
      fields++;
    }
    if (fields !== RECORD_FIELDS.length) return false;
    this.fragment(OPEN_RECORD);
    const value = record.value;
    if (isPlainObject(value)) {
      if (!this.flatObject(value)) return false;
    } else if (!this.scalar(value)) return false;
    this.fragment(RECORD_TIMESTAMP);
    if (!this.number(record.timestamp_ms)) return false;
    this.byte(0x7d); // }
    return true;
  }

  private flatObject(object: Record<string, unknown>): boolean {
    this.byte(0x7b); // {
    let first = true;
    for (const name in object) {
      if (!first) this.byte(0x2c); // ,
      first = false;
      if (!this.string(name)) return false;
      this.byte(0x3a); // :
      if (!this.scalar(object[name])) return false;
    }
    this.byte(0x7d); // }
    return true;
  }

  private scalar(value: unknown): boolean {
    switch (typeof value) {
      case 'string':
        return this.string(value);
      case 'number':
        return this.number(value);
      case 'boolean':
        this.fragment(value ? TRUE : FALSE);
        return true;
      default:
        if (value !== null) return false;
        this.fragment(NULL);
        return true;
    }
  }

  /** A string JSON writes verbatim: printable ASCII other than `"` and `\`. */
  private string(text: string): boolean {
    this.reserve(text.length + 2);
    const buffer = this.buffer;
    let at = this.length_bytes;
    buffer[at++] = 0x22;
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return false;
      buffer[at++] = code;
    }
    buffer[at++] = 0x22;
    this.length_bytes = at;
    return true;
  }

  /**
   * Non-negative int32 values digit by digit, other finite numbers as their String() text (which JSON uses); false
   * for anything else.
   */
  private number(value: number): boolean {
    if (!Number.isFinite(value)) return false;
    if (!(Number.isInteger(value) && value >= 0 && value <= MAX_INT32)) {
      this.ascii(String(value));
      return true;
    }
    this.reserve(MAX_INT32_DIGITS);
    let digits = 1;
    for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
    const buffer = this.buffer;
    let at = this.length_bytes + digits;
    this.length_bytes = at;
    let rest = value;
    do {
      const tenth = (rest / 10) | 0;
      buffer[--at] = 0x30 + rest - tenth * 10;
      rest = tenth;
    } while (rest > 0);
    return true;
  }

  private byte(code: number): void {
    this.reserve(1);
    this.buffer[this.length_bytes++] = code;
  }

  private fragment(bytes: Uint8Array): void {
    this.reserve(bytes.length);
    const buffer = this.buffer;
    let at = this.length_bytes;
    for (let i = 0; i < bytes.length; i++) buffer[at++] = bytes[i]!;
    this.length_bytes = at;
  }

  /** Text known to be ASCII (a number's String() text). */
  private ascii(text: string): void {
    this.reserve(text.length);
    const buffer = this.buffer;
    let at = this.length_bytes;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.length_bytes = at;
  }

  private reserve(more_bytes: number): void {
    const needed = this.length_bytes + more_bytes;
    if (needed <= this.buffer.length) return;
    const grown = new Uint8Array(Math.max(needed, this.buffer.length * 2));
    grown.set(this.buffer.subarray(0, this.length_bytes));
    this.buffer = grown;
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
