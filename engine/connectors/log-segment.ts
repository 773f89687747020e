// The bytes of one log broker disk segment: the UTF-8 encoding of JSON.stringify(records). Plain-data records (values
// that are ASCII strings, numbers, booleans, null or flat objects of those) are written straight to bytes without the
// intermediate string; a segment holding anything else is encoded through JSON.stringify, so the bytes never differ.
import type { LogRecord } from './log-broker.js';
import { write_uint_digits } from '../util/plain-json.js';

const encoder = new TextEncoder();

/** UTF-8 bytes of `JSON.stringify(records)`. */
export function encodeSegment(records: readonly LogRecord[]): Uint8Array {
  return writePlainRecords(records) ?? encoder.encode(JSON.stringify(records));
}

/** Plain records are written here, then copied out: one buffer for every segment, grown to the largest so far. */
let scratch: Uint8Array<ArrayBuffer> = new Uint8Array(1 << 16);

const OPEN_RECORD = encoder.encode('{"value":');
const RECORD_TIMESTAMP = encoder.encode(',"timestamp_ms":');
/** Room for the punctuation around a record or field, plus one literal or number text (at most 25 bytes). */
const SLACK_BYTES = 64;
const MAX_INT32 = 0x7fffffff;
/** Marks a value the fast path does not write (returned instead of the end offset). */
const NOT_PLAIN = -1;

/**
 * The segment's bytes when every record is a plain object with exactly the fields `value` and `timestamp_ms`, in that
 * order, whose value is a scalar or a flat plain object of scalars — strings JSON writes verbatim, finite numbers,
 * booleans, null; undefined as soon as a record is anything else.
 */
function writePlainRecords(records: readonly LogRecord[]): Uint8Array<ArrayBuffer> | undefined {
  let at = 0;
  scratch[at++] = 0x5b; // [
  for (let r = 0; r < records.length; r++) {
    at = writeRecord(records[r], at, r > 0);
    if (at === NOT_PLAIN) return undefined;
  }
  if (at + 1 > scratch.length) grow(at, 1);
  scratch[at++] = 0x5d; // ]
  return scratch.slice(0, at);
}

/**
 * One record at `at` of the scratch buffer (after a comma unless it is the first); returns the end offset, or
 * NOT_PLAIN. Every write is preceded by a check that the buffer has room for it (grown if not).
 */
function writeRecord(record: unknown, at: number, after_comma: boolean): number {
  if (!isPlainObject(record)) return NOT_PLAIN;
  let fields = 0;
  for (const name in record) {
    if (fields > 1 || name !== (fields === 0 ? 'value' : 'timestamp_ms')) return NOT_PLAIN;
    fields++;
  }
  if (fields !== 2) return NOT_PLAIN;

  let buffer = scratch;
  if (at + SLACK_BYTES > buffer.length) buffer = grow(at, SLACK_BYTES);
  if (after_comma) buffer[at++] = 0x2c; // ,
  at = writeBytes(buffer, at, OPEN_RECORD);
  const value = record.value;
  if (isPlainObject(value)) {
    buffer[at++] = 0x7b; // {
    let first = true;
    for (const name in value) {
      const field = value[name];
      const field_bytes = name.length + scalarRoom(field) + SLACK_BYTES;
      if (at + field_bytes > buffer.length) buffer = grow(at, field_bytes);
      if (!first) buffer[at++] = 0x2c; // ,
      first = false;
      at = writeString(buffer, at, name);
      if (at === NOT_PLAIN) return NOT_PLAIN;
      buffer[at++] = 0x3a; // :
      at = writeScalar(buffer, at, field);
      if (at === NOT_PLAIN) return NOT_PLAIN;
    }
    buffer[at++] = 0x7d; // }
  } else {
    const value_bytes = scalarRoom(value) + SLACK_BYTES;
    if (at + value_bytes > buffer.length) buffer = grow(at, value_bytes);
    at = writeScalar(buffer, at, value);
    if (at === NOT_PLAIN) return NOT_PLAIN;
  }
  if (at + SLACK_BYTES > buffer.length) buffer = grow(at, SLACK_BYTES);
  at = writeBytes(buffer, at, RECORD_TIMESTAMP);
  at = writeNumber(buffer, at, record.timestamp_ms);
  if (at === NOT_PLAIN) return NOT_PLAIN;
  buffer[at++] = 0x7d; // }
  return at;
}

/** Replaces the scratch buffer by one with room for `more_bytes` after the first `used_bytes`, keeping those. */
function grow(used_bytes: number, more_bytes: number): Uint8Array<ArrayBuffer> {
  const grown = new Uint8Array(Math.max(used_bytes + more_bytes, scratch.length * 2));
  grown.set(scratch.subarray(0, used_bytes));
  scratch = grown;
  return grown;
}

/** Bytes a scalar may take beyond the slack: a string's characters and quotes. */
function scalarRoom(value: unknown): number {
  return typeof value === 'string' ? value.length + 2 : 0;
}

function writeScalar(buffer: Uint8Array, at: number, value: unknown): number {
  switch (typeof value) {
    case 'string':
      return writeString(buffer, at, value);
    case 'number':
      return writeNumber(buffer, at, value);
    case 'boolean':
      return writeAscii(buffer, at, value ? 'true' : 'false');
    default:
      return value === null ? writeAscii(buffer, at, 'null') : NOT_PLAIN;
  }
}

/** A quoted string if JSON writes it verbatim (printable ASCII other than `"` and `\`). */
function writeString(buffer: Uint8Array, at: number, text: string): number {
  buffer[at++] = 0x22; // "
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return NOT_PLAIN;
    buffer[at++] = code;
  }
  buffer[at++] = 0x22; // "
  return at;
}

/** Non-negative int32 values digit by digit, other finite numbers as their String() text (which JSON uses). */
function writeNumber(buffer: Uint8Array, at: number, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) return NOT_PLAIN;
  if (!(Number.isInteger(value) && value >= 0 && value <= MAX_INT32)) return writeAscii(buffer, at, String(value));
  return write_uint_digits(buffer, at, value);
}

function writeAscii(buffer: Uint8Array, at: number, text: string): number {
  for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
  return at;
}

function writeBytes(buffer: Uint8Array, at: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buffer[at++] = bytes[i]!;
  return at;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;
}
