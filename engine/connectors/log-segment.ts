// The bytes of one log broker disk segment: the UTF-8 encoding of JSON.stringify(records). Plain-data records are
// written straight to bytes by the shared plain-JSON writer (engine/util/plain-json.ts); anything else goes through
// JSON.stringify, so the bytes never differ.
import type { LogRecord } from './log-broker.js';
import { plain_json_bytes } from '../util/plain-json.js';

const encoder = new TextEncoder();

/** UTF-8 bytes of `JSON.stringify(records)`. */
export function encodeSegment(records: readonly LogRecord[]): Uint8Array {
  // plain_json_bytes returns a view of a reused buffer: the segment gets its own copy.
  return plain_json_bytes(records)?.slice() ?? encoder.encode(JSON.stringify(records));
}
