// Canonical, reversible string encoding of record keys (and MapState user keys), so keys such as "__proto__",
// "constructor" or "" are ordinary data in every Map and every backend. Equal keys always encode alike.

/** Marks an encoding of a non-string key (or of a string that itself starts with this character). */
const TAG = '\u0000';

/**
 * Encoding (unambiguous, reversible):
 *   a string not starting with U+0000 is its own encoding (the common case allocates nothing);
 *   every other key is U+0000 + a type letter + payload:
 *     s<text>       string starting with U+0000
 *     n<number>     finite number (-0 is normalised to 0)
 *     b1 / b0       boolean
 *     z             null
 *     j<json>       arrays and plain objects as canonical JSON (object keys sorted)
 * undefined, functions, symbols, bigint and non-finite numbers are not valid keys.
 */
export function encodeKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return key.length > 0 && key.charCodeAt(0) === 0 ? TAG + 's' + key : key;
    case 'number':
      if (!Number.isFinite(key)) throw new Error(`key must be a finite number, got ${String(key)}`);
      return TAG + 'n' + String(key === 0 ? 0 : key);
    case 'boolean':
      return key ? TAG + 'b1' : TAG + 'b0';
    case 'object':
      if (key === null) return TAG + 'z';
      return TAG + 'j' + canonicalJson(key);
    default:
      throw new Error(`unsupported key type: ${typeof key}`);
  }
}

export function decodeKey(encoded: string): unknown {
  if (encoded.length === 0 || encoded.charCodeAt(0) !== 0) return encoded;
  const tag = encoded.charAt(1);
  const body = encoded.slice(2);
  switch (tag) {
    case 's':
      return body;
    case 'n':
      return Number(body);
    case 'b':
      return body === '1';
    case 'z':
      return null;
    case 'j':
      return JSON.parse(body) as unknown;
    default:
      throw new Error(`not an encoded key: ${JSON.stringify(encoded)}`);
  }
}

/** JSON with object keys in sorted order; rejects values JSON cannot represent faithfully. */
export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error('non-finite number in key');
      return JSON.stringify(value === 0 ? 0 : value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return '[' + value.map((item) => canonicalJson(item)).join(',') + ']';
      const record = value as Record<string, unknown>;
      const names = Object.keys(record).sort();
      return '{' + names.map((name) => JSON.stringify(name) + ':' + canonicalJson(record[name])).join(',') + '}';
    }
    default:
      throw new Error(`unsupported value in key: ${typeof value}`);
  }
}
