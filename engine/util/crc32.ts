// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320): the checksum behind every persisted byte. Computed by
// node:zlib's native crc32 where the runtime has it (Node ≥ 20.15), else by the portable table-driven loop below.

import * as zlib from 'node:zlib';

type NativeCrc32 = (data: Uint8Array, value: number) => number;

/** zlib's crc32 (same polynomial, same chaining through `value`), or null on a runtime without it. */
const NATIVE_CRC32: NativeCrc32 | null = (() => {
  const candidate = (zlib as { crc32?: unknown }).crc32;
  return typeof candidate === 'function' ? (candidate as NativeCrc32) : null;
})();

let crc32_table: Uint32Array | null = null;

function table(): Uint32Array {
  if (crc32_table !== null) return crc32_table;
  const built = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    built[n] = c >>> 0;
  }
  crc32_table = built;
  return built;
}

function check_range(bytes: Uint8Array, start: number, end: number): void {
  if (!(start >= 0 && start <= end && end <= bytes.length)) {
    throw new Error(`crc32_update: bad range [${start}, ${end}) for ${bytes.length} bytes`);
  }
}

/** True when crc32_update uses node:zlib's native implementation. */
export function crc32_is_native(): boolean {
  return NATIVE_CRC32 !== null;
}

/**
 * Continue a CRC-32 over `bytes[start, end)`. Start a fresh checksum with `crc = 0`; feed chunks in order to checksum a
 * sequence of buffers as if they were one.
 */
export function crc32_update(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  check_range(bytes, start, end);
  if (NATIVE_CRC32 === null) return crc32_update_portable(crc, bytes, start, end);
  // An empty range leaves the checksum as it is. (zlib answers 0 for an empty view without a backing store.)
  if (start === end) return crc >>> 0;
  const range = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return NATIVE_CRC32(range, crc >>> 0) >>> 0;
}

/** The table-driven loop, the same function as crc32_update on every runtime (kept for runtimes without zlib's). */
export function crc32_update_portable(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  check_range(bytes, start, end);
  const lookup = table();
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) {
    c = (lookup[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** CRC-32 of bytes (or of the UTF-8 encoding of a string), as an unsigned 32-bit integer. */
export function crc32(input: Uint8Array | string): number {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  return crc32_update(0, bytes);
}

/** Eight lowercase hex digits, the form used in FileRef.checksum. */
export function crc32_hex(value: number): string {
  return (value >>> 0).toString(16).padStart(8, '0');
}
