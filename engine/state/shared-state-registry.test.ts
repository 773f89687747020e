// Specification of the shared state registry: a file is deletable exactly when no retained checkpoint references it.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SharedStateRegistry } from './shared-state-registry.js';

const runs = Number(process.env['STREAMSIM_PROPERTY_RUNS'] ?? 30);

describe('SharedStateRegistry', () => {
  it('reports a file deletable only after the last checkpoint referencing it is released', () => {
    const registry = new SharedStateRegistry();
    registry.register(1, ['s/a', 's/b']);
    registry.register(2, ['s/b', 's/c']);
    expect(registry.release(1)).toEqual(['s/a']);
    expect(registry.is_referenced('s/b')).toBe(true);
    expect(registry.release(2)).toEqual(['s/b', 's/c']);
    expect(registry.release(2)).toEqual([]);
  });

  it('rejects registering a checkpoint twice', () => {
    const registry = new SharedStateRegistry();
    registry.register(3, []);
    expect(() => registry.register(3, [])).toThrow(/twice/);
  });

  it('matches a model under random register/release sequences', () => {
    const op = fc.oneof(
      // A checkpoint may name one file twice, as a path or as a FileRef: it still holds one reference to it.
      fc.record({ kind: fc.constant('register' as const), files: fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.boolean()), { maxLength: 5 }) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const registry = new SharedStateRegistry();
        const model = new Map<number, string[]>();
        let next_id = 1;
        for (const o of ops) {
          if (o.kind === 'register') {
            const files = o.files.map(([f]) => `shared/f${f}`);
            registry.register(next_id, o.files.map(([f, as_ref]) => (as_ref ? { path: `shared/f${f}`, size_bytes: 1, checksum: '00000000' } : `shared/f${f}`)));
            model.set(next_id, files);
            next_id++;
          } else {
            const ids = [...model.keys()];
            if (ids.length === 0) continue;
            const id = ids[o.pick % ids.length] as number;
            const released = model.get(id) as string[];
            model.delete(id);
            const still_used = new Set([...model.values()].flat());
            const expected = [...new Set(released)].filter((f) => !still_used.has(f)).sort();
            expect(registry.release(id)).toEqual(expected);
          }
          expect(registry.registered_checkpoints()).toEqual([...model.keys()].sort((a, b) => a - b));
          for (let f = 0; f <= 6; f++) {
            const holders = [...model.values()].filter((files) => files.includes(`shared/f${f}`)).length;
            expect(registry.reference_count(`shared/f${f}`)).toBe(holders);
            expect(registry.is_referenced(`shared/f${f}`)).toBe(holders > 0);
          }
        }
      }),
      { numRuns: runs },
    );
  });

  it('holds a bounded number of checkpoints (1024 unless told): one more is refused until one is released', () => {
    const small = new SharedStateRegistry(2);
    small.register(1, ['s/a']);
    small.register(2, []);
    expect(() => small.register(3, ['s/a'])).toThrow('shared state registry: more than 2 checkpoints registered');
    expect(small.reference_count('s/a')).toBe(1);
    small.release(1);
    small.register(3, ['s/a']);
    expect(small.registered_checkpoints()).toEqual([2, 3]);
    // Listed in id order whatever the order they were registered in (a restored job registers older ones later).
    const unordered = new SharedStateRegistry();
    for (const id of [12, 3, 7, 100]) unordered.register(id, []);
    expect(unordered.registered_checkpoints()).toEqual([3, 7, 12, 100]);
    const by_default = new SharedStateRegistry();
    for (let id = 1; id <= 1024; id++) by_default.register(id, []);
    expect(() => by_default.register(1025, [])).toThrow(/more than 1024 checkpoints registered/);
  });
});
