// Canonical, reversible string encoding of record keys (and MapState user keys), so keys such as "__proto__",
// "constructor" or "" are ordinary data in every Map and every backend. Equal keys always encode alike.

/**
 * Encoding: a one-letter type tag + payload.
 *   s<text>       string
 *   n<number>     finite number (-0 is normalised to 0)
 *   b1 / b0       boolean
 *   z             null
 *   j<json>       arrays and plain objects as canonical JSON (object keys sorted)
 * undefined, functions, symbols, bigint and non-finite numbers are not valid keys.
 */
export function encodeKey(key: unknown): string {
  switch (typeof key) {
    case 'string':
      return 's' + key;
    case 'number':
      if (!Number.isFinite(key)) throw new Error(`key must be a finite number, got ${String(key)}`);
      return 'n' + String(key === 0 ? 0 : key);
    case 'boolean':
      return key ? 'b1' : 'b0';
    case 'object':
      if (key === null) return 'z';
      return 'j' + canonicalJson(key);
    default:
      throw new Error(`unsupported key type: ${typeof key}`);
  }
}

export function decodeKey(encoded: string): unknown {
  const tag = encoded.charAt(0);
  const body = encoded.slice(1);
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
