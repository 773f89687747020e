// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), table-driven: the checksum behind every persisted byte.
// Pure and allocation-free after the table is built once.

const CRC32_TABLE: Uint32Array = build_table();

function build_table(): Uint32Array {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let bit = 0; bit < 8; bit++) {
      c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    }
    table[n] = c >>> 0;
  }
  return table;
}

/**
 * Continue a CRC-32 over `bytes[start, end)`. Start a fresh checksum with `crc = 0`; feed chunks in order to checksum a
 * sequence of buffers as if they were one.
 */
export function crc32_update(crc: number, bytes: Uint8Array, start = 0, end = bytes.length): number {
  if (!(start >= 0 && start <= end && end <= bytes.length)) {
    throw new Error(`crc32_update: bad range [${start}, ${end}) for ${bytes.length} bytes`);
  }
  let c = (crc ^ 0xffffffff) >>> 0;
  for (let i = start; i < end; i++) {
    c = (CRC32_TABLE[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8);
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
