// Specification of CRC-32: standard check values, chunked updates, and the native and portable implementations agreeing.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as zlib from 'node:zlib';
import { crc32, crc32_hex, crc32_is_native, crc32_update, crc32_update_portable } from './crc32.js';

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
    expect(() => crc32_update_portable(0, new Uint8Array(2), 0, 3)).toThrow(/bad range/);
  });
  it('uses the native implementation whenever the runtime has one', () => {
    expect(crc32_is_native()).toBe(typeof (zlib as { crc32?: unknown }).crc32 === 'function');
  });
  it('agrees with the portable table-driven loop on every range and starting value', () => {
    expect(crc32_update_portable(0, new TextEncoder().encode('123456789'))).toBe(0xcbf43926);
    expect(crc32_update(7, new Uint8Array(new ArrayBuffer(0)))).toBe(7);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(), fc.nat(), fc.nat({ max: 0xffffffff }), (bytes, a, b, start_crc) => {
        const start = bytes.length === 0 ? 0 : a % (bytes.length + 1);
        const end = start + (b % (bytes.length - start + 1));
        expect(crc32_update(start_crc, bytes, start, end)).toBe(crc32_update_portable(start_crc, bytes, start, end));
        const view = bytes.subarray(start);
        expect(crc32_update(start_crc, view)).toBe(crc32_update_portable(start_crc, view));
      }),
      { numRuns: runs * 10 },
    );
  });
});
