// A validating JSON scanner over raw bytes that builds no objects: it checks one trace line is valid JSON and
// reports where the top-level fields the index needs (kind, time_ms, node, ...) sit, so indexing avoids JSON.parse.

/** Nesting deeper than this is reported as malformed rather than risking the stack. */
export const max_json_depth = 64;

export const FIELD_KIND = 0;
export const FIELD_TIME_MS = 1;
export const FIELD_NODE = 2;
export const FIELD_EVENT = 3;
export const FIELD_TARGET = 4;
export const FIELD_FROM = 5;
export const FIELD_TO = 6;
export const FIELD_A = 7;
export const FIELD_INCARNATION = 8;
const field_names = ['kind', 'time_ms', 'node', 'event', 'target', 'from', 'to', 'a', 'incarnation'] as const;
export const tracked_field_count = field_names.length;
const field_name_bytes = field_names.map((name) => Buffer.from(name, 'latin1'));

/** Value type of a tracked field as found by the scanner. */
export const VALUE_ABSENT = 0;
export const VALUE_STRING = 1; // span excludes the quotes
export const VALUE_STRING_ESCAPED = 2; // a string containing escapes: decode with JSON.parse
export const VALUE_NUMBER = 3;
export const VALUE_OTHER = 4;

export class JsonScanResult {
  /** For each tracked field: value type, start and end byte (end exclusive). */
  readonly types = new Uint8Array(tracked_field_count);
  readonly starts = new Uint32Array(tracked_field_count);
  readonly ends = new Uint32Array(tracked_field_count);
  /** Set when the line is not valid JSON; `error_at` is the byte offset within the line. */
  error: string | undefined;
  error_at = 0;
  /** True when the top-level value is an object. */
  is_object = false;

  /** A tracked string field's value, or undefined when absent or not a string. */
  string_field(buffer: Buffer, field: number): string | undefined {
    const type = this.types[field];
    const start = this.starts[field] ?? 0;
    const end = this.ends[field] ?? 0;
    if (type === VALUE_STRING) return buffer.toString('utf8', start, end);
    if (type === VALUE_STRING_ESCAPED) return JSON.parse(buffer.toString('utf8', start - 1, end + 1)) as string;
    return undefined;
  }

  number_field(buffer: Buffer, field: number): number | undefined {
    if (this.types[field] !== VALUE_NUMBER) return undefined;
    const start = this.starts[field] ?? 0;
    const end = this.ends[field] ?? 0;
    // Fast path: a plain non-negative integer of up to 15 digits (virtual times are); anything else via Number().
    if (end - start <= 15) {
      let value = 0;
      let position = start;
      for (; position < end; position++) {
        const byte = buffer[position] as number;
        if (byte < 0x30 || byte > 0x39) break;
        value = value * 10 + (byte - 0x30);
      }
      if (position === end) return value;
    }
    return Number(buffer.toString('latin1', start, end));
  }
}

class Malformed {
  constructor(readonly reason: string, readonly at: number) {}
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

function is_whitespace(byte: number): boolean {
  return byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09;
}
function is_digit(byte: number): boolean {
  return byte >= 0x30 && byte <= 0x39;
}
function is_hex(byte: number): boolean {
  return is_digit(byte) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

/** Scans `buffer[start, end)`; fills and returns `result` (reused across lines to avoid allocation). */
export function scan_json_line(buffer: Buffer, start: number, end: number, result: JsonScanResult): JsonScanResult {
  return scanner.scan(buffer, start, end, result);
}

class JsonScanner {
  private buffer: Buffer = Buffer.alloc(0);
  private position = 0;
  private start = 0;
  private end = 0;
  private result: JsonScanResult = new JsonScanResult();

  scan(buffer: Buffer, start: number, end: number, result: JsonScanResult): JsonScanResult {
    this.buffer = buffer;
    this.position = start;
    this.start = start;
    this.end = end;
    this.result = result;
    result.types.fill(VALUE_ABSENT);
    result.error = undefined;
    result.error_at = 0;
    result.is_object = false;
    try {
      this.skip_whitespace();
      result.is_object = this.position < end && buffer[this.position] === 0x7b;
      this.scan_value(0);
      this.skip_whitespace();
      if (this.position < end) this.fail('unexpected text after the value');
    } catch (error) {
      if (!(error instanceof Malformed)) throw error;
      result.error = error.reason;
      result.error_at = error.at;
    }
    return result;
  }

  private fail(reason: string): never {
    throw new Malformed(reason, this.position - this.start);
  }

  private skip_whitespace(): void {
    const buffer = this.buffer;
    let position = this.position;
    while (position < this.end && is_whitespace(buffer[position] as number)) position++;
    this.position = position;
  }

  /** Scans a string whose opening quote is at `position`; returns true when it contained escapes. */
  private scan_string(): boolean {
    const buffer = this.buffer;
    const end = this.end;
    let position = this.position + 1;
    let escaped = false;
    for (;;) {
      if (position >= end) {
        this.position = position;
        this.fail('unterminated string');
      }
      const byte = buffer[position] as number;
      if (byte === QUOTE) {
        this.position = position + 1;
        return escaped;
      }
      if (byte === BACKSLASH) {
        escaped = true;
        const next = buffer[position + 1];
        if (next === 0x75) {
          for (let i = 2; i < 6; i++) {
            if (position + i >= end || !is_hex(buffer[position + i] as number)) {
              this.position = position;
              this.fail('bad \\u escape');
            }
          }
          position += 6;
          continue;
        }
        if (next === QUOTE || next === BACKSLASH || next === 0x2f || next === 0x62 || next === 0x66 || next === 0x6e || next === 0x72 || next === 0x74) {
          position += 2;
          continue;
        }
        this.position = position;
        this.fail('bad escape');
      }
      if (byte < 0x20) {
        this.position = position;
        this.fail('control character in string');
      }
      position++;
    }
  }

  private scan_digits(): void {
    const buffer = this.buffer;
    if (this.position >= this.end || !is_digit(buffer[this.position] as number)) this.fail('digit expected');
    while (this.position < this.end && is_digit(buffer[this.position] as number)) this.position++;
  }

  private scan_number(): void {
    const buffer = this.buffer;
    if (buffer[this.position] === 0x2d) this.position++;
    if (this.position < this.end && buffer[this.position] === 0x30) this.position++;
    else this.scan_digits();
    if (this.position < this.end && buffer[this.position] === 0x2e) {
      this.position++;
      this.scan_digits();
    }
    if (this.position < this.end && (buffer[this.position] === 0x65 || buffer[this.position] === 0x45)) {
      this.position++;
      if (this.position < this.end && (buffer[this.position] === 0x2b || buffer[this.position] === 0x2d)) this.position++;
      this.scan_digits();
    }
  }

  private scan_literal(text: string): void {
    for (let i = 0; i < text.length; i++) {
      if (this.position + i >= this.end || this.buffer[this.position + i] !== text.charCodeAt(i)) this.fail('unexpected token');
    }
    this.position += text.length;
  }

  private tracked_field(key_start: number, key_end: number): number {
    const length = key_end - key_start;
    if (length > 11) return -1;
    const first = this.buffer[key_start] as number;
    for (let field = 0; field < tracked_field_count; field++) {
      const name = field_name_bytes[field] as Buffer;
      if (name.length !== length || name[0] !== first) continue;
      let same = true;
      for (let i = 1; i < length; i++) {
        if (this.buffer[key_start + i] !== name[i]) {
          same = false;
          break;
        }
      }
      if (same) return field;
    }
    return -1;
  }

  /** Scans one value; returns its type for the tracked-field table. */
  private scan_value(depth: number): number {
    if (depth > max_json_depth) this.fail('nesting too deep');
    this.skip_whitespace();
    if (this.position >= this.end) this.fail('value expected');
    const buffer = this.buffer;
    const byte = buffer[this.position] as number;
    if (byte === QUOTE) return this.scan_string() ? VALUE_STRING_ESCAPED : VALUE_STRING;
    if (byte === 0x2d || is_digit(byte)) {
      this.scan_number();
      return VALUE_NUMBER;
    }
    if (byte === 0x7b) return this.scan_object(depth);
    if (byte === 0x5b) return this.scan_array(depth);
    if (byte === 0x74) this.scan_literal('true');
    else if (byte === 0x66) this.scan_literal('false');
    else if (byte === 0x6e) this.scan_literal('null');
    else this.fail('unexpected token');
    return VALUE_OTHER;
  }

  private scan_object(depth: number): number {
    const buffer = this.buffer;
    const result = this.result;
    this.position++;
    this.skip_whitespace();
    if (this.position < this.end && buffer[this.position] === 0x7d) {
      this.position++;
      return VALUE_OTHER;
    }
    for (;;) {
      this.skip_whitespace();
      if (this.position >= this.end || buffer[this.position] !== QUOTE) this.fail('object key expected');
      const key_start = this.position + 1;
      const key_escaped = this.scan_string();
      const key_end = this.position - 1;
      this.skip_whitespace();
      if (this.position >= this.end || buffer[this.position] !== 0x3a) this.fail('":" expected');
      this.position++;
      this.skip_whitespace();
      const value_start = this.position;
      const type = this.scan_value(depth + 1);
      if (depth === 0 && !key_escaped) {
        const field = this.tracked_field(key_start, key_end);
        if (field >= 0) {
          const is_string = type === VALUE_STRING || type === VALUE_STRING_ESCAPED;
          result.types[field] = type;
          result.starts[field] = is_string ? value_start + 1 : value_start;
          result.ends[field] = is_string ? this.position - 1 : this.position;
        }
      }
      this.skip_whitespace();
      if (this.position >= this.end) this.fail('"," or "}" expected');
      const separator = buffer[this.position];
      if (separator === 0x2c) {
        this.position++;
        continue;
      }
      if (separator === 0x7d) {
        this.position++;
        return VALUE_OTHER;
      }
      this.fail('"," or "}" expected');
    }
  }

  private scan_array(depth: number): number {
    const buffer = this.buffer;
    this.position++;
    this.skip_whitespace();
    if (this.position < this.end && buffer[this.position] === 0x5d) {
      this.position++;
      return VALUE_OTHER;
    }
    for (;;) {
      this.scan_value(depth + 1);
      this.skip_whitespace();
      if (this.position >= this.end) this.fail('"," or "]" expected');
      const separator = buffer[this.position];
      if (separator === 0x2c) {
        this.position++;
        continue;
      }
      if (separator === 0x5d) {
        this.position++;
        return VALUE_OTHER;
      }
      this.fail('"," or "]" expected');
    }
  }
}

const scanner = new JsonScanner();
