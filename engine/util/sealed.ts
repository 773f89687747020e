// The sealed byte format every persisted byte of the engine goes through:
// [magic u32 | format version u16 | kind u16 | payload length u32 | crc32 u32 | payload], big-endian.
// The crc32 covers the version, kind and length fields and the payload, so any single bit flip or truncation is caught.

import { crc32_hex, crc32_update } from './crc32.js';
import { plain_json_bytes } from './plain-json.js';

/** Default magic: "SSIM". Checkpoint metadata uses Flink's 0x4960672d instead (engine/checkpoint/metadata.ts). */
export const SEALED_MAGIC = 0x5353494d;
export const SEALED_FORMAT_VERSION = 1;
export const SEALED_HEADER_BYTES = 16;
/** Upper bound on one sealed payload (256 MiB): a length field above it is treated as corruption. */
export const SEALED_MAX_PAYLOAD_BYTES = 256 * 1024 * 1024;

/** Registered payload kinds (u16). Add new kinds at the end; never renumber. */
export const SEALED_KIND = {
  json: 1,
  heap_snapshot: 2,
  lsm_run: 3,
  checkpoint_metadata: 4,
  ha_record: 5,
  operator_state: 6,
  channel_state: 7,
  sink_transactions: 8,
} as const;

export interface SealOptions {
  /** Overrides SEALED_MAGIC (e.g. Flink's metadata magic). */
  magic?: number;
}

export type UnsealResult =
  | { ok: true; kind: number; version: number; payload: Uint8Array; crc32: number }
  | { ok: false; reason: string };

/** Seal a payload. The payload bytes are copied. */
export function seal(kind: number, payload: Uint8Array, options: SealOptions = {}): Uint8Array {
  const out = sealed_frame(kind, payload.length, options);
  out.set(payload, SEALED_HEADER_BYTES);
  return finish_sealed(out);
}

/** A blob of the right size with the header written except its crc32 (finish_sealed adds it after the payload). */
function sealed_frame(kind: number, payload_bytes: number, options: SealOptions): Uint8Array {
  const out = new Uint8Array(SEALED_HEADER_BYTES + payload_bytes);
  write_header(out, kind, payload_bytes, options);
  return out;
}

/** Writes the header of a blob of `out.length` bytes except its crc32. */
function write_header(out: Uint8Array, kind: number, payload_bytes: number, options: SealOptions): void {
  const magic = options.magic ?? SEALED_MAGIC;
  assert_u16(kind, 'kind');
  if (payload_bytes > SEALED_MAX_PAYLOAD_BYTES) {
    throw new Error(`seal: payload of ${payload_bytes} bytes exceeds ${SEALED_MAX_PAYLOAD_BYTES}`);
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint32(0, magic >>> 0);
  view.setUint16(4, SEALED_FORMAT_VERSION);
  view.setUint16(6, kind);
  view.setUint32(8, payload_bytes);
}

/** Writes the crc32 into the header of a blob whose payload is in place. */
function finish_sealed(out: Uint8Array): Uint8Array {
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(12, sealed_crc(out));
  return out;
}

/** Verify and open a sealed blob. Never throws: every defect comes back as `{ ok: false, reason }`. */
export function unseal(bytes: Uint8Array, options: SealOptions = {}): UnsealResult {
  const magic = options.magic ?? SEALED_MAGIC;
  if (bytes.length < SEALED_HEADER_BYTES) {
    return { ok: false, reason: `truncated: ${bytes.length} bytes is shorter than the ${SEALED_HEADER_BYTES}-byte header` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const found_magic = view.getUint32(0);
  if (found_magic !== magic >>> 0) {
    return { ok: false, reason: `wrong magic 0x${found_magic.toString(16)} (expected 0x${(magic >>> 0).toString(16)})` };
  }
  const version = view.getUint16(4);
  const kind = view.getUint16(6);
  const length = view.getUint32(8);
  const stored_crc = view.getUint32(12);
  if (length > SEALED_MAX_PAYLOAD_BYTES) return { ok: false, reason: `wrong length ${length}: above the maximum` };
  if (bytes.length !== SEALED_HEADER_BYTES + length) {
    const what = bytes.length < SEALED_HEADER_BYTES + length ? 'truncated (torn write?)' : 'wrong length';
    return { ok: false, reason: `${what}: header says ${length} payload bytes, found ${bytes.length - SEALED_HEADER_BYTES}` };
  }
  const computed = sealed_crc(bytes);
  if (computed !== stored_crc) {
    return { ok: false, reason: `checksum mismatch: stored ${crc32_hex(stored_crc)}, computed ${crc32_hex(computed)}` };
  }
  if (version !== SEALED_FORMAT_VERSION) {
    return { ok: false, reason: `unknown format version ${version} (this build reads ${SEALED_FORMAT_VERSION})` };
  }
  return { ok: true, kind, version, payload: bytes.subarray(SEALED_HEADER_BYTES), crc32: stored_crc };
}

/** Unseal and require a given kind. */
export function unseal_kind(bytes: Uint8Array, kind: number, options: SealOptions = {}): UnsealResult {
  const result = unseal(bytes, options);
  if (result.ok && result.kind !== kind) return { ok: false, reason: `wrong kind ${result.kind} (expected ${kind})` };
  return result;
}

/** The checksum stored in a sealed blob's header, as 8 hex digits (what FileRef.checksum holds). */
export function sealed_checksum_hex(sealed: Uint8Array): string {
  if (sealed.length < SEALED_HEADER_BYTES) throw new Error('sealed_checksum_hex: not a sealed blob');
  const view = new DataView(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  return crc32_hex(view.getUint32(12));
}

const text_encoder = new TextEncoder();
const text_decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * seal_json encodes small and medium payloads into this reused buffer (saving one allocation per blob); it grows up to
 * JSON_SCRATCH_MAX_BYTES, and a text that might need more is encoded on its own.
 */
const JSON_SCRATCH_MAX_BYTES = 4 * 1024 * 1024;
let json_scratch = new Uint8Array(64 * 1024);

/**
 * Seal a JSON-serialisable value (UTF-8 JSON payload). Plain data is written straight to bytes after the header
 * (engine/util/plain-json.ts, the same bytes); anything else goes through JSON.stringify.
 */
export function seal_json(kind: number, value: unknown, options: SealOptions = {}): Uint8Array {
  const plain = plain_json_bytes(value, SEALED_HEADER_BYTES);
  if (plain !== undefined) {
    write_header(plain, kind, plain.length - SEALED_HEADER_BYTES, options);
    return finish_sealed(plain).slice();
  }
  const text = JSON.stringify(value);
  if (text === undefined) throw new Error('seal_json: value is not JSON-serialisable');
  // UTF-8 takes at most 3 bytes per UTF-16 code unit.
  const max_payload_bytes = text.length * 3;
  if (max_payload_bytes > JSON_SCRATCH_MAX_BYTES) return seal(kind, text_encoder.encode(text), options);
  if (json_scratch.length < max_payload_bytes) json_scratch = new Uint8Array(Math.min(JSON_SCRATCH_MAX_BYTES, Math.max(max_payload_bytes, json_scratch.length * 2)));
  const scratch = json_scratch;
  const payload_bytes = text_encoder.encodeInto(text, scratch).written;
  const out = sealed_frame(kind, payload_bytes, options);
  out.set(scratch.subarray(0, payload_bytes), SEALED_HEADER_BYTES);
  return finish_sealed(out);
}

export type UnsealJsonResult = { ok: true; kind: number; value: unknown } | { ok: false; reason: string };

/** Unseal a blob written by seal_json; optionally require its kind. Never throws. */
export function unseal_json(bytes: Uint8Array, expected_kind?: number, options: SealOptions = {}): UnsealJsonResult {
  const result = expected_kind === undefined ? unseal(bytes, options) : unseal_kind(bytes, expected_kind, options);
  if (!result.ok) return result;
  try {
    return { ok: true, kind: result.kind, value: JSON.parse(text_decoder.decode(result.payload)) as unknown };
  } catch (error) {
    return { ok: false, reason: `payload is not valid JSON: ${String(error)}` };
  }
}

/** Base64 of bytes (for inline state in metadata). */
export function bytes_to_base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

export function base64_to_bytes(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, 'base64'));
}

function sealed_crc(sealed: Uint8Array): number {
  // version, kind, length (bytes 4..12), then the payload.
  return crc32_update(crc32_update(0, sealed, 4, 12), sealed, SEALED_HEADER_BYTES, sealed.length);
}

function assert_u16(value: number, what: string): void {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw new Error(`seal: ${what} ${value} is not a u16`);
}
