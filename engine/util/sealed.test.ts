// Specification of the sealed byte format: round trips, and every single bit flip or truncation is detected.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  SEALED_HEADER_BYTES, SEALED_KIND, seal, seal_json, sealed_checksum_hex, unseal, unseal_json, unseal_kind,
} from './sealed.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

describe('seal / unseal', () => {
  it('round-trips kind and payload', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 300 }), (kind, payload) => {
        const result = unseal(seal(kind, payload));
        expect(result.ok).toBe(true);
        if (result.ok) {
          expect(result.kind).toBe(kind);
          expect(Array.from(result.payload)).toEqual(Array.from(payload));
        }
      }),
      { numRuns: runs },
    );
  });

  it('detects any single bit flip anywhere in the blob', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.uint8Array({ maxLength: 200 }), fc.nat(), (kind, payload, pick) => {
        const sealed = seal(kind, payload);
        const bit = pick % (sealed.length * 8);
        const flipped = sealed.slice();
        flipped[bit >> 3] = (flipped[bit >> 3] as number) ^ (1 << (bit & 7));
        expect(unseal(flipped).ok).toBe(false);
      }),
      { numRuns: runs * 5 },
    );
  });

  it('detects any truncation (torn write) and any extra bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), (payload, pick, extra) => {
        const sealed = seal(SEALED_KIND.json, payload);
        const cut = pick % sealed.length;
        expect(unseal(sealed.subarray(0, cut)).ok).toBe(false);
        const longer = new Uint8Array(sealed.length + extra.length);
        longer.set(sealed);
        longer.set(extra, sealed.length);
        expect(unseal(longer).ok).toBe(false);
      }),
      { numRuns: runs * 5 },
    );
  });

  it('names the defect in its reason', () => {
    const sealed = seal(3, new Uint8Array([1, 2, 3]));
    const wrong_magic = sealed.slice();
    wrong_magic[0] = 0;
    expect(unseal(wrong_magic)).toMatchObject({ ok: false, reason: expect.stringMatching(/magic/) });
    expect(unseal(sealed.subarray(0, sealed.length - 1))).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
    expect(unseal(sealed.subarray(0, 5))).toMatchObject({ ok: false, reason: expect.stringMatching(/truncated/) });
    const flipped = sealed.slice();
    flipped[SEALED_HEADER_BYTES] = 9;
    expect(unseal(flipped)).toMatchObject({ ok: false, reason: expect.stringMatching(/checksum/) });
    expect(unseal_kind(sealed, 4)).toMatchObject({ ok: false, reason: expect.stringMatching(/kind/) });
  });

  it('supports another magic and rejects blobs with the default one', () => {
    const sealed = seal(1, new Uint8Array([7]), { magic: 0x4960672d });
    expect(unseal(sealed, { magic: 0x4960672d }).ok).toBe(true);
    expect(unseal(sealed).ok).toBe(false);
  });

  it('exposes the stored checksum as hex', () => {
    expect(sealed_checksum_hex(seal(1, new Uint8Array([1])))).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('seal_json / unseal_json', () => {
  it('round-trips JSON values and checks the kind', () => {
    const value = { a: [1, 'two', null], b: { '__proto__': 1 } };
    const sealed = seal_json(SEALED_KIND.ha_record, value);
    expect(unseal_json(sealed, SEALED_KIND.ha_record)).toEqual({ ok: true, kind: SEALED_KIND.ha_record, value });
    expect(unseal_json(sealed, SEALED_KIND.json).ok).toBe(false);
  });
  it('writes exactly seal(kind, UTF-8 of JSON.stringify(value)), for any text size, one blob after another', () => {
    const encoder = new TextEncoder();
    const same_as_seal = (value: unknown): void => {
      const expected = seal(SEALED_KIND.sink_transactions, encoder.encode(JSON.stringify(value)));
      const sealed = seal_json(SEALED_KIND.sink_transactions, value);
      // Buffer comparison: element-wise equality of megabyte arrays is far too slow.
      expect(Buffer.from(sealed).equals(Buffer.from(expected))).toBe(true);
    };
    fc.assert(fc.property(fc.jsonValue(), (value) => same_as_seal(value)), { numRuns: runs });
    // Non-ASCII and lone surrogates (escaped by JSON.stringify), a long blob, then a short one after it.
    same_as_seal({ text: 'ünïcødé ✓ 𝄞 \ud800', n: -0.5 });
    same_as_seal({ records: Array.from({ length: 40_000 }, (_, i) => ({ key: `k-${i}`, seq: i, note: 'é' })) });
    same_as_seal({ records: Array.from({ length: 200_000 }, (_, i) => ({ key: `k-${i}`, seq: i })) });
    same_as_seal([1]);
  });
  it('rejects a sealed payload that is not JSON', () => {
    const sealed = seal(SEALED_KIND.json, new Uint8Array([0x7b]));
    expect(unseal_json(sealed)).toMatchObject({ ok: false, reason: expect.stringMatching(/JSON/) });
  });
});
