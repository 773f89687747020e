// Specification of simulated storage: honest faults. A process writes framed bytes (length + crc32 + payload) and
// must detect every injected fault kind by its checksum, its length, or the error it is given.
import { describe, expect, it } from 'vitest';
import { World } from './world.js';
import { crc32 } from './checksum.js';
import type { ProcessContext, StorageResult } from './types.js';
import type { StorageFaultKind } from './storage.js';
import type { TraceRecord } from './trace-format.js';

function frame(payload: Uint8Array): Uint8Array {
  const bytes = new Uint8Array(8 + payload.length);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, payload.length);
  view.setUint32(4, crc32(payload));
  bytes.set(payload, 8);
  return bytes;
}

type Verdict = 'intact' | 'corrupt' | 'missing' | 'io_error' | 'no_space' | 'unavailable';

function check(result: StorageResult<Uint8Array>): Verdict {
  if (!result.ok) return result.error;
  const bytes = result.value;
  if (bytes.length < 8) return 'corrupt';
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const payload = bytes.subarray(8);
  if (view.getUint32(0) !== payload.length || view.getUint32(4) !== crc32(payload)) return 'corrupt';
  return 'intact';
}

const payload = new TextEncoder().encode('checkpoint 7: state of key group 3 '.repeat(8));

/** Writes `key` then reads it back (after `gap_ms`), returning what the writer was told and what the reader saw. */
function write_then_read(
  setup: (world: World) => void,
  options: { gap_ms?: number; store?: 'checkpoint' | 'disk' } = {},
): { put: StorageResult<void> | undefined; verdict: Verdict | undefined; records: TraceRecord[] } {
  const records: TraceRecord[] = [];
  const world = new World({ seed: 21, trace: { lines: (line) => records.push(JSON.parse(line) as TraceRecord) } });
  let put: StorageResult<void> | undefined;
  let verdict: Verdict | undefined;
  world.add_process('writer', (context: ProcessContext) => ({
    onStart: () => {
      const store = options.store === 'disk' ? context.disk : context.checkpoint_store;
      store.put('chk-7/state', frame(payload), (result) => {
        put = result;
        context.setTimer(options.gap_ms ?? 1, 'read');
      });
    },
    onMessage: () => {},
    onTimer: () => {
      const store = options.store === 'disk' ? context.disk : context.checkpoint_store;
      store.get('chk-7/state', (result) => (verdict = check(result)));
    },
  }));
  setup(world);
  world.run();
  return { put, verdict, records };
}

describe('storage faults are observable, never hidden', () => {
  it('without faults a framed write reads back intact', () => {
    const { put, verdict } = write_then_read(() => {});
    expect(put).toEqual({ ok: true, value: undefined });
    expect(verdict).toBe('intact');
  });

  const cases: { fault: StorageFaultKind; put_ok: boolean; verdict: Verdict }[] = [
    { fault: 'bit_flip_write', put_ok: true, verdict: 'corrupt' },
    { fault: 'bit_flip_read', put_ok: true, verdict: 'corrupt' },
    { fault: 'torn_write', put_ok: true, verdict: 'corrupt' },
    { fault: 'lost_write', put_ok: true, verdict: 'missing' },
    { fault: 'io_error', put_ok: false, verdict: 'io_error' },
    { fault: 'unavailable', put_ok: false, verdict: 'unavailable' },
  ];
  for (const { fault, put_ok, verdict: expected } of cases) {
    it(`${fault}: the writer is told ok=${put_ok}, the reader's check says ${expected}, the trace names it`, () => {
      const { put, verdict, records } = write_then_read((world) => world.storage_fault('checkpoint', fault, { key_prefix: 'chk-7/' }));
      expect(put?.ok).toBe(put_ok);
      expect(verdict).toBe(expected);
      const hit = records.filter((record) => record.kind === 'storage' && (record.faults as string[] | undefined)?.includes(fault));
      expect(hit.length).toBeGreaterThan(0);
    });
  }

  it('missing object: deleting under a prefix makes the reader see missing (traced as a fault)', () => {
    const { verdict, records } = write_then_read(
      (world) => world.schedule(30, () => world.remove_random_object('checkpoint', 'chk-7/')),
      { gap_ms: 50 },
    );
    expect(verdict).toBe('missing');
    expect(records.some((record) => record.kind === 'storage' && record.op === 'get' && record.error === 'missing')).toBe(true);
  });

  it('slow I/O adds latency; faults outside the key prefix or after their duration do nothing', () => {
    const slow = write_then_read((world) => world.storage_fault('checkpoint', 'slow_io', { extra_latency_ms: 500 }));
    const put_record = slow.records.find((record) => record.kind === 'storage' && record.op === 'put');
    expect(put_record?.time_ms).toBeGreaterThanOrEqual(500);
    expect(slow.verdict).toBe('intact');
    expect(write_then_read((world) => world.storage_fault('checkpoint', 'bit_flip_write', { key_prefix: 'other/' })).verdict).toBe('intact');
    expect(write_then_read((world) => world.storage_fault('*', 'io_error', { duration_ms: 0 })).verdict).toBe('intact');
  });

  it('count limits a fault to its first operations', () => {
    const world = new World({ seed: 22 });
    const verdicts: Verdict[] = [];
    world.add_process('p', (context) => ({
      onStart: () => {
        for (let index = 0; index < 3; index++) context.disk.put(`k${index}`, frame(payload), () => {});
        context.setTimer(100, 'read');
      },
      onMessage: () => {},
      onTimer: () => {
        for (let index = 0; index < 3; index++) context.disk.get(`k${index}`, (result) => verdicts.push(check(result)));
      },
    }));
    world.storage_fault('disk/p', 'bit_flip_write', { count: 1 });
    world.run();
    expect(verdicts).toEqual(['corrupt', 'intact', 'intact']);
  });

  it('capacity is an explicit bound: a put beyond it fails with no_space (ENOSPC) and stores nothing', () => {
    const world = new World({ seed: 23, storage: { disk: { capacity_bytes: 100 } } });
    const results: StorageResult<void>[] = [];
    world.add_process('p', (context) => ({
      onStart: () => {
        context.disk.put('a', new Uint8Array(60), (result) => results.push(result));
        context.disk.put('b', new Uint8Array(60), (result) => results.push(result));
        context.disk.put('a', new Uint8Array(90), (result) => results.push(result)); // replaces a: fits? 60 + 90 > 100
      },
      onMessage: () => {},
      onTimer: () => {},
    }));
    world.run();
    expect(results.map((result) => (result.ok ? 'ok' : result.error))).toEqual(['ok', 'no_space', 'ok']);
    expect(world.store('disk/p').keys()).toEqual(['a']);
    expect(world.store('disk/p').used_bytes).toBe(90);
  });

  it('list returns sorted keys under a prefix; delete removes; callbacks never run synchronously', () => {
    const world = new World({ seed: 24 });
    const events: string[] = [];
    world.add_process('p', (context) => ({
      onStart: () => {
        for (const key of ['chk-2/b', 'chk-1/a', 'chk-2/a', 'other']) context.checkpoint_store.put(key, new Uint8Array(1), () => {});
        context.checkpoint_store.delete('chk-2/b', (result) => events.push(`delete ${result.ok}`));
        context.checkpoint_store.list('chk-', (result) => events.push(`list ${result.ok ? result.value.join(',') : ''}`));
        context.checkpoint_store.delete('nope', (result) => events.push(`delete-missing ${result.ok ? '' : result.error}`));
        events.push('returned');
      },
      onMessage: () => {},
      onTimer: () => {},
    }));
    world.run();
    expect(events).toEqual(['returned', 'delete true', 'list chk-1/a,chk-2/a', 'delete-missing missing']);
  });

  it('stored bytes are copied out: mutating what get or peek returned changes nothing stored', () => {
    const world = new World({ seed: 25 });
    world.add_process('p', (context) => ({
      onStart: () => {
        context.disk.put('k', new Uint8Array([1, 2, 3]), () => context.disk.get('k', (result) => result.ok && result.value.fill(9)));
      },
      onMessage: () => {},
      onTimer: () => {},
    }));
    world.run();
    world.store('disk/p').peek('k')?.fill(8);
    expect(world.store('disk/p').peek('k')).toEqual(new Uint8Array([1, 2, 3]));
  });

  it('a put keeps the bytes it is handed, and a damaged write never damages them', () => {
    const world = new World({ seed: 26 });
    const bytes = new Uint8Array(64).fill(5);
    world.add_process('p', (context) => ({
      onStart: () => {
        context.disk.put('intact', bytes, () => {});
        context.disk.put('flipped', bytes, () => {});
        context.disk.put('torn', bytes, () => {});
      },
      onMessage: () => {},
      onTimer: () => {},
    }));
    const store = world.store('disk/p');
    store.add_fault('bit_flip_write', 'flipped', Infinity, 1, 0);
    store.add_fault('torn_write', 'torn', Infinity, 1, 0);
    world.run();
    expect(bytes).toEqual(new Uint8Array(64).fill(5));
    expect(store.peek('intact')).toEqual(bytes);
    const flipped = store.peek('flipped')!;
    expect(flipped.length).toBe(64);
    expect(flipped.reduce((differing, byte, index) => differing + (byte === bytes[index] ? 0 : 1), 0)).toBe(1);
    expect(store.peek('torn')!.length).toBeLessThan(64);
  });
});
