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
      fc.record({ kind: fc.constant('register' as const), files: fc.uniqueArray(fc.integer({ min: 0, max: 6 }), { maxLength: 4 }) }),
      fc.record({ kind: fc.constant('release' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const registry = new SharedStateRegistry();
        const model = new Map<number, string[]>();
        let next_id = 1;
        for (const o of ops) {
          if (o.kind === 'register') {
            const files = o.files.map((f) => `shared/f${f}`);
            registry.register(next_id, files);
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
        }
      }),
      { numRuns: runs },
    );
  });
});
