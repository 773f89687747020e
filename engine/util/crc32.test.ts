// Specification of CRC-32: standard check values and chunked updates.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { crc32, crc32_hex, crc32_update } from './crc32.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

describe('crc32', () => {
  it('matches the standard check value for "123456789"', () => {
    expect(crc32_hex(crc32('123456789'))).toBe('cbf43926');
  });
  it('matches known vectors', () => {
    expect(crc32('')).toBe(0);
    expect(crc32_hex(crc32('a'))).toBe('e8b7be43');
    expect(crc32_hex(crc32('The quick brown fox jumps over the lazy dog'))).toBe('414fa339');
    expect(crc32_hex(crc32(new Uint8Array([0, 0, 0, 0])))).toBe('2144df1c');
  });
  it('gives the same result when fed in chunks', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), (bytes, cut_seed) => {
        const cut = bytes.length === 0 ? 0 : cut_seed % (bytes.length + 1);
        const chunked = crc32_update(crc32_update(0, bytes, 0, cut), bytes, cut, bytes.length);
        expect(chunked).toBe(crc32(bytes));
      }),
      { numRuns: runs },
    );
  });
  it('rejects a range outside the buffer', () => {
    expect(() => crc32_update(0, new Uint8Array(2), 0, 3)).toThrow(/bad range/);
  });
});
