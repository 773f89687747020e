// UTF-8 bytes of JSON.stringify(value) written straight to bytes for plain data (plain objects and arrays of ASCII
// strings JSON writes verbatim, finite numbers, booleans, null), for seal_json and the broker's segments. Anything else
// (another prototype, undefined, a string needing escapes or non-ASCII, deep nesting) is left to JSON.stringify.

/** Plain values are written here; callers copy the bytes out before the next call. Grown to the largest so far. */
let scratch = new Uint8Array(1 << 16);
/** The buffer's bound: a value whose bytes need more is left to JSON.stringify. */
const MAX_SCRATCH_BYTES = 4 * 1024 * 1024;
/** Deeper values are left to JSON.stringify (which also reports cycles). */
const MAX_DEPTH = 32;
/** Room for one number's text (at most 25 bytes) or literal. */
const SCALAR_ROOM_BYTES = 32;
const MAX_INT32 = 0x7fffffff;
/** Returned instead of an end offset when the value is not plain data (or its bytes exceed the bound). */
const NOT_PLAIN = -1;
/** Longer strings are checked by NOT_VERBATIM and copied by the encoder rather than character by character. */
const LONG_STRING_CHARS = 64;
/** A character JSON does not write verbatim: a control character, `"`, `\` or anything beyond ASCII. */
const NOT_VERBATIM = /[^\x20\x21\x23-\x5b\x5d-\x7e]/;
const encoder = new TextEncoder();

/**
 * `reserved_bytes` leading bytes (left for the caller, e.g. a header) followed by the bytes
 * `new TextEncoder().encode(JSON.stringify(value))` gives, or undefined when the value is not plain data. The result
 * is a view of a buffer the next call overwrites: copy it out before calling again.
 */
export function plain_json_bytes(value: unknown, reserved_bytes = 0): Uint8Array | undefined {
  if (reserved_bytes > scratch.length) return undefined;
  const end = write_value(value, reserved_bytes, 0);
  return end === NOT_PLAIN ? undefined : scratch.subarray(0, end);
}

function write_value(value: unknown, at: number, depth: number): number {
  if (typeof value === 'string') return write_string(value, at);
  if (typeof value === 'number') return write_number(value, at);
  if (typeof value === 'object') {
    if (value === null) return write_ascii('null', at);
    if (depth >= MAX_DEPTH) return NOT_PLAIN;
    if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype ? write_array(value, at, depth + 1) : NOT_PLAIN;
    return Object.getPrototypeOf(value) === Object.prototype ? write_object(value as Record<string, unknown>, at, depth + 1) : NOT_PLAIN;
  }
  if (typeof value === 'boolean') return write_ascii(value ? 'true' : 'false', at);
  return NOT_PLAIN;
}

/** An undefined element (or a hole), which JSON writes as null, is left to JSON.stringify. */
function write_array(items: readonly unknown[], at: number, depth: number): number {
  if (at + 1 > scratch.length && !grow(at, 1)) return NOT_PLAIN;
  scratch[at++] = 0x5b; // [
  for (let i = 0; i < items.length; i++) {
    if (i > 0) {
      if (at + 1 > scratch.length && !grow(at, 1)) return NOT_PLAIN;
      scratch[at++] = 0x2c; // ,
    }
    at = write_value(items[i], at, depth);
    if (at === NOT_PLAIN) return NOT_PLAIN;
  }
  if (at + 1 > scratch.length && !grow(at, 1)) return NOT_PLAIN;
  scratch[at++] = 0x5d; // ]
  return at;
}

/** Fields in for-in order, which is JSON's order for a plain object; an undefined field is left to JSON.stringify. */
function write_object(fields: Record<string, unknown>, at: number, depth: number): number {
  if (at + 1 > scratch.length && !grow(at, 1)) return NOT_PLAIN;
  scratch[at++] = 0x7b; // {
  let first = true;
  for (const name in fields) {
    if (!first) {
      if (at + 1 > scratch.length && !grow(at, 1)) return NOT_PLAIN;
      scratch[at++] = 0x2c; // ,
    }
    first = false;
    at = write_string(name, at);
    if (at === NOT_PLAIN || (at + 1 > scratch.length && !grow(at, 1))) return NOT_PLAIN;
    scratch[at++] = 0x3a; // :
    const field = fields[name];
    // Strings and numbers, the usual fields of a record, without the general dispatch.
    at = typeof field === 'string' ? write_string(field, at) : typeof field === 'number' ? write_number(field, at) : write_value(field, at, depth);
    if (at === NOT_PLAIN) return NOT_PLAIN;
  }
  if (at + 1 > scratch.length && !grow(at, 1)) return NOT_PLAIN;
  scratch[at++] = 0x7d; // }
  return at;
}

/** A quoted string, if JSON writes it verbatim (printable ASCII other than `"` and `\`). */
function write_string(text: string, at: number): number {
  if (at + text.length + 2 > scratch.length && !grow(at, text.length + 2)) return NOT_PLAIN;
  return write_verbatim_string(scratch, at, text);
}

/**
 * `text` in quotes at `at`, if JSON writes it verbatim (printable ASCII other than `"` and `\`): returns the end
 * offset, or -1 (the buffer may then hold a partial write). The caller has made room for text.length + 2 bytes.
 */
export function write_verbatim_string(buffer: Uint8Array, at: number, text: string): number {
  const length = text.length;
  buffer[at++] = 0x22; // "
  if (length > LONG_STRING_CHARS) {
    if (NOT_VERBATIM.test(text)) return NOT_PLAIN;
    at += encoder.encodeInto(text, buffer.subarray(at)).written;
  } else {
    for (let i = 0; i < length; i++) {
      const code = text.charCodeAt(i);
      if (code < 0x20 || code > 0x7e || code === 0x22 || code === 0x5c) return NOT_PLAIN;
      buffer[at++] = code;
    }
  }
  buffer[at++] = 0x22; // "
  return at;
}

/** Non-negative int32 values digit by digit, other finite numbers as their String() text (which JSON uses). */
function write_number(value: number, at: number): number {
  if (!is_uint_digits_number(value)) {
    return Number.isFinite(value) ? write_ascii(String(value), at) : NOT_PLAIN;
  }
  if (at + SCALAR_ROOM_BYTES > scratch.length && !grow(at, SCALAR_ROOM_BYTES)) return NOT_PLAIN;
  return write_uint_digits(scratch, at, value);
}

/** Whether write_uint_digits can write the number: a non-negative int32. */
export function is_uint_digits_number(value: number): boolean {
  return value >= 0 && value <= MAX_INT32 && (value | 0) === value;
}

/** The decimal digits of a non-negative int32 at `at` (the caller has made room for 10 bytes); returns the end offset. */
export function write_uint_digits(buffer: Uint8Array, at: number, value: number): number {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
  const end = at + digits;
  let rest = value;
  let cursor = end;
  do {
    const tenth = (rest / 10) | 0;
    buffer[--cursor] = 0x30 + rest - tenth * 10;
    rest = tenth;
  } while (rest > 0);
  return end;
}

/** A literal or a number's text: ASCII, at most SCALAR_ROOM_BYTES long. */
function write_ascii(text: string, at: number): number {
  if (at + SCALAR_ROOM_BYTES > scratch.length && !grow(at, SCALAR_ROOM_BYTES)) return NOT_PLAIN;
  const buffer = scratch;
  for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
  return at;
}

/**
 * Grows the buffer to hold `more_bytes` after the first `used_bytes`, keeping those; false beyond MAX_SCRATCH_BYTES.
 * Callers check for room first, so the common case costs one comparison.
 */
function grow(used_bytes: number, more_bytes: number): boolean {
  const needed = used_bytes + more_bytes;
  if (needed > MAX_SCRATCH_BYTES) return false;
  const grown = new Uint8Array(Math.min(MAX_SCRATCH_BYTES, Math.max(needed, scratch.length * 2)));
  grown.set(scratch.subarray(0, used_bytes));
  scratch = grown;
  return true;
}
