// Specification of durability: a completed put is visible but durable only after a sync; a crash of its writer
// drops it (the last durable value returns), tears it (a strict prefix survives) or keeps it, at random from the
// stream "storage/unsynced" or as the crash says; writes of other processes, synced writes and writes older than the
// writeback are never touched; a write still in flight at the crash lands like an unsynced one. Full disks (ENOSPC),
// failing syncs (EIO) and slow syncs are faults of their own.
import { describe, expect, it } from 'vitest';
import { World } from './world.js';
import type { ProcessContext, StorageResult } from './types.js';
import type { UnsyncedOutcome } from './storage.js';

const text = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : new TextDecoder().decode(bytes));
const bytes_of = (value: string): Uint8Array => new TextEncoder().encode(value);

/** A world with one process 'p' whose context the test drives; fixed 1 ms storage latency. */
function world_with_writer(seed: number, writeback_ms?: number) {
  const latency = { kind: 'fixed', delay_ms: 1 } as const;
  const store_options = writeback_ms === undefined ? { latency } : { latency, writeback_ms };
  const world = new World({ seed, storage: { disk: store_options, checkpoint_store: store_options }, trace: { memory: { max_records: 10_000 } } });
  let context: ProcessContext | undefined;
  world.add_process('p', (c) => {
    context = c;
    return { onStart: () => {}, onMessage: () => {}, onTimer: () => {} };
  });
  world.add_process('q', () => ({ onStart: () => {}, onMessage: () => {}, onTimer: () => {} }));
  world.run();
  const results: string[] = [];
  const note = (label: string) => (result: StorageResult<unknown>) => results.push(`${label} ${result.ok ? 'ok' : result.error}`);
  return { world, p: () => context!, results, note };
}

describe('durability', () => {
  it('a synced write survives any crash; an unsynced one meets the fate the crash names', () => {
    const fates: Record<UnsyncedOutcome, string | undefined> = { dropped: undefined, torn: undefined, kept: undefined };
    for (const outcome of ['dropped', 'torn', 'kept'] as const) {
      const { world, p } = world_with_writer(1);
      p().disk.put('synced', bytes_of('durable'), () => p().disk.sync('synced', () => {}));
      p().disk.put('old', bytes_of('version-1'), () => p().disk.sync('old', () => p().disk.put('old', bytes_of('version-2-longer'), () => {})));
      world.run();
      expect(world.store('disk/p').is_unsynced('old')).toBe(true);
      world.crash('p', { unsynced: outcome });
      expect(text(world.store('disk/p').peek('synced'))).toBe('durable');
      fates[outcome] = text(world.store('disk/p').peek('old'));
    }
    expect(fates.dropped).toBe('version-1');
    expect(fates.kept).toBe('version-2-longer');
    expect('version-2-longer'.startsWith(fates.torn!) && fates.torn!.length < 'version-2-longer'.length).toBe(true);
  });

  it('a new object never synced is gone when dropped; the crash is traced per write', () => {
    const { world, p } = world_with_writer(2);
    p().checkpoint_store.put('chk-1/file', bytes_of('state'), () => {});
    world.run();
    world.crash('p', { unsynced: 'dropped' });
    expect(world.checkpoint_store.has('chk-1/file')).toBe(false);
    const traced = world.trace.records().filter((r) => r.kind === 'storage' && r['op'] === 'crash');
    expect(traced).toMatchObject([{ node: 'p', store: 'checkpoint', key: 'chk-1/file', detail: 'unsynced_dropped kept_bytes=0' }]);
  });

  it("another process's unsynced writes and writes older than the writeback survive the crash", () => {
    const { world, p } = world_with_writer(3, 500);
    p().checkpoint_store.put('old', bytes_of('old'), () => {});
    world.run();
    world.after(600, () => p().checkpoint_store.put('young', bytes_of('young'), () => {}));
    world.run();
    world.crash('q', { unsynced: 'dropped' });
    expect(world.checkpoint_store.has('young')).toBe(true);
    world.crash('p', { unsynced: 'dropped' });
    expect(world.checkpoint_store.has('old')).toBe(true);
    expect(world.checkpoint_store.has('young')).toBe(false);
  });

  it('a write in flight when its writer crashes lands like an unsynced write', () => {
    const outcomes = new Set<string>();
    for (let seed = 1; seed <= 40; seed++) {
      const { world, p } = world_with_writer(seed);
      p().disk.put('in-flight', bytes_of('0123456789'), () => {});
      world.crash('p');
      world.run();
      const value = text(world.store('disk/p').peek('in-flight'));
      outcomes.add(value === undefined ? 'dropped' : value === '0123456789' ? 'kept' : 'torn');
      expect(world.store('disk/p').is_unsynced('in-flight')).toBe(false);
    }
    expect([...outcomes].sort()).toEqual(['dropped', 'kept', 'torn']);
  });

  it('sync has nothing to do for no object, fails with io_error under EIO (the write stays unsynced), is slow under slow_sync', () => {
    const { world, p, results, note } = world_with_writer(4);
    p().disk.sync('nothing', note('sync nothing'));
    world.run();
    p().disk.put('k', bytes_of('v'), note('put'));
    world.run();
    world.storage_fault('disk/p', 'io_error', { count: 1 });
    p().disk.sync('k', note('sync eio'));
    world.run();
    expect(world.store('disk/p').is_unsynced('k')).toBe(true);
    world.storage_fault('disk/p', 'slow_sync', { extra_latency_ms: 300, count: 1 });
    const before_ms = world.now_ms;
    p().disk.sync('k', () => results.push(`sync slow after ${world.now_ms - before_ms} ms`));
    world.run();
    expect(world.store('disk/p').is_unsynced('k')).toBe(false);
    expect(results).toEqual(['sync nothing ok', 'put ok', 'sync eio io_error', 'sync slow after 301 ms']);
  });

  it('disk_full: puts fail with no_space and write nothing; reads, syncs and deletes still work', () => {
    const { world, p, results, note } = world_with_writer(5);
    p().disk.put('a', bytes_of('a'), note('put a'));
    world.run();
    world.storage_fault('disk/p', 'disk_full', { duration_ms: 100 });
    p().disk.put('b', bytes_of('b'), note('put b'));
    p().disk.sync('a', note('sync a'));
    p().disk.get('a', note('get a'));
    p().disk.delete('a', note('delete a'));
    world.run();
    world.after(200, () => p().disk.put('c', bytes_of('c'), note('put c')));
    world.run();
    expect(results).toEqual(['put a ok', 'put b no_space', 'sync a ok', 'get a ok', 'delete a ok', 'put c ok']);
    expect(world.store('disk/p').keys()).toEqual(['c']);
  });

  it('crash fates come from their own stream: with and without crashes, other storage draws are the same', () => {
    const flips = (with_crash: boolean): string[] => {
      const { world, p } = world_with_writer(6);
      world.storage_fault('checkpoint', 'bit_flip_write', {});
      const bits: string[] = [];
      for (let i = 0; i < 5; i++) {
        p().checkpoint_store.put(`k${i}`, new Uint8Array(64), () => {});
        world.run();
        if (with_crash) {
          world.crash('q');
          world.restart('q');
          world.crash('p', {});
          world.restart('p');
          world.run();
        }
      }
      for (const record of world.trace.records()) if (record.kind === 'storage' && record['op'] === 'put') bits.push(String(record['detail']));
      return bits;
    };
    expect(flips(true)).toEqual(flips(false));
  });
});
