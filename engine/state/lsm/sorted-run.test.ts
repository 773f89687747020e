// Specification of the sorted run files of the LSM backend: encode/decode round trip with key-group clipping, newest-
// wins merging and point lookup against a plain map, and every way a well-sealed but wrong run file is refused.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CorruptStateError, compare_coordinates } from '../heap-backend.js';
import { SEALED_KIND, seal } from '../../util/sealed.js';
import { type LsmRecord, compare_records, decode_run, encode_run, find_record, lower_bound, merge_runs } from './sorted-run.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);
const FULL = { start: 0, end: 7 };

const record_arbitrary: fc.Arbitrary<LsmRecord> = fc.record({
  state: fc.constantFrom('a', 'b'),
  key_group: fc.integer({ min: 0, max: 7 }),
  key: fc.constantFrom('', 'k', 'k1', '__proto__', 'é'),
  namespace: fc.constantFrom('', 'w', '1|'),
  deleted: fc.boolean(),
  value: fc.oneof(fc.integer(), fc.constant('v'), fc.constant({ n: [1] })),
}).map((r) => (r.deleted ? { ...r, value: undefined } : r));

/** A valid run: strictly ascending, one record per cell (the last drawn wins). */
const run_arbitrary = fc.array(record_arbitrary, { maxLength: 40 }).map((records) => {
  const cells = new Map<string, LsmRecord>();
  for (const r of records) cells.set(JSON.stringify([r.state, r.key_group, r.key, r.namespace]), r);
  return [...cells.values()].sort(compare_records);
});

const cell_of = (r: LsmRecord): string => JSON.stringify([r.state, r.key_group, r.key, r.namespace]);

/** A sealed run file with an arbitrary payload: what a buggy writer or an older format could leave behind. */
function sealed_payload(payload: unknown): Uint8Array {
  return seal(SEALED_KIND.lsm_run, new TextEncoder().encode(JSON.stringify(payload)));
}
const row = (key: string, group = 1): unknown[] => ['s', group, key, '', 0, 1];

describe('sorted run files', () => {
  it('decode what was encoded, keeping exactly the key groups asked for', () => {
    fc.assert(
      fc.property(run_arbitrary, fc.integer({ min: 0, max: 7 }), fc.integer({ min: 0, max: 7 }), (records, a, b) => {
        const bytes = encode_run(records, 8);
        expect(decode_run(bytes, 8, FULL, 'f')).toEqual(records);
        const keep = { start: Math.min(a, b), end: Math.max(a, b) };
        expect(decode_run(bytes, 8, keep, 'f')).toEqual(records.filter((r) => r.key_group >= keep.start && r.key_group <= keep.end));
        // A tombstone carries no value through the file.
        for (const r of decode_run(bytes, 8, FULL, 'f')) if (r.deleted) expect(r.value).toBeUndefined();
      }),
      { numRuns: runs },
    );
  });

  it('merge newest-wins, and drop tombstones only when asked', () => {
    fc.assert(
      fc.property(run_arbitrary, run_arbitrary, fc.boolean(), (older, newer, drop) => {
        const model = new Map<string, LsmRecord>();
        for (const r of [...older, ...newer]) model.set(cell_of(r), r);
        const expected = [...model.values()].filter((r) => !(drop && r.deleted)).sort(compare_records);
        expect(merge_runs(older, newer, drop)).toEqual(expected);
      }),
      { numRuns: runs },
    );
  });

  it('find a record by binary search exactly when the run holds its cell', () => {
    fc.assert(
      fc.property(run_arbitrary, record_arbitrary, (records, probe) => {
        const found = find_record(records, probe.state, probe.key_group, probe.key, probe.namespace);
        expect(found).toBe(records.find((r) => cell_of(r) === cell_of(probe)));
        const at = lower_bound(records, probe.state, probe.key_group, probe.key, probe.namespace);
        const first_not_below = records.findIndex((r) => compare_coordinates(r.state, r.key_group, r.key, r.namespace, probe.state, probe.key_group, probe.key, probe.namespace) >= 0);
        expect(at).toBe(first_not_below === -1 ? records.length : first_not_below);
      }),
      { numRuns: runs },
    );
  });

  describe('refuse a file that is sealed correctly but is not a valid run', () => {
    const refuse = (bytes: Uint8Array, message: RegExp, max_parallelism = 8): void => {
      let thrown: unknown;
      try {
        decode_run(bytes, max_parallelism, FULL, 'shared/op-c1-r1.sst');
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(CorruptStateError);
      expect((thrown as Error).message).toMatch(message);
      // The error names the file it is about.
      expect((thrown as CorruptStateError).path).toBe('shared/op-c1-r1.sst');
    };

    it('a file of another kind, or one whose bytes were damaged', () => {
      refuse(seal(SEALED_KIND.heap_snapshot, new TextEncoder().encode('{}')), /run file rejected: wrong kind/);
      const bytes = encode_run([{ state: 's', key_group: 1, key: 'k', namespace: '', deleted: false, value: 1 }], 8);
      const flipped = bytes.slice();
      flipped[bytes.length - 3] = (flipped[bytes.length - 3] as number) ^ 4;
      refuse(flipped, /run file rejected: checksum mismatch/);
    });

    it('a payload that is not JSON, or not UTF-8', () => {
      refuse(seal(SEALED_KIND.lsm_run, new TextEncoder().encode('{"format":1,')), /run file is not valid JSON/);
      // A byte that is not UTF-8 inside a key: never silently replaced by U+FFFD.
      const text = new TextEncoder().encode('{"format":1,"max_parallelism":8,"rows":[["s",1,"k#","",0,1]]}');
      text[text.indexOf('#'.charCodeAt(0))] = 0xff;
      refuse(seal(SEALED_KIND.lsm_run, text), /run file is not valid JSON/);
    });

    it('an unknown format, or rows that are not a list', () => {
      refuse(sealed_payload({ format: 2, max_parallelism: 8, rows: [] }), /unknown run file format/);
      refuse(sealed_payload({ format: 1, max_parallelism: 8, rows: { 0: row('k') } }), /unknown run file format/);
    });

    it('a file written under another max parallelism (key groups would mean other keys)', () => {
      refuse(sealed_payload({ format: 1, max_parallelism: 8, rows: [] }), /run written with max parallelism 8, this job uses 16/, 16);
    });

    it('every malformed row', () => {
      const malformed: unknown[] = [
        { 0: 's', 1: 1, 2: 'k', 3: '', 4: 0, 5: 1, length: 6 }, // not a list
        ['s', 1, 'k', '', 0], // too short
        ['s', 1, 'k', '', 0, 1, 'extra'], // too long
        [7, 1, 'k', '', 0, 1], // state not a string
        ['s', '1', 'k', '', 0, 1], // key group not a number
        ['s', 1, 7, '', 0, 1], // key not a string
        ['s', 1, 'k', 7, 0, 1], // namespace not a string
        ['s', 1, 'k', '', 2, 1], // neither value nor tombstone
        ['s', 1, 'k', '', '1', 1], // tombstone flag of the wrong type
      ];
      for (const bad of malformed) {
        refuse(sealed_payload({ format: 1, max_parallelism: 8, rows: [row('a'), bad] }), /malformed run row/);
      }
    });

    it('rows out of order or repeated (lookups would miss them)', () => {
      refuse(sealed_payload({ format: 1, max_parallelism: 8, rows: [row('b'), row('a')] }), /not in sorted order \(.*at record 1\)/);
      refuse(sealed_payload({ format: 1, max_parallelism: 8, rows: [row('a'), row('b'), row('b')] }), /not in sorted order \(.*at record 2\)/);
      refuse(sealed_payload({ format: 1, max_parallelism: 8, rows: [row('a', 2), row('b', 1)] }), /not in sorted order/);
      expect(decode_run(sealed_payload({ format: 1, max_parallelism: 8, rows: [row('a'), row('b')] }), 8, FULL, 'f')).toHaveLength(2);
    });
  });
});
