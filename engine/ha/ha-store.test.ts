// Specification of the HA store process: compare-and-set puts that are verified durable before acknowledged (torn,
// lost and flipped writes are caught and retried), reload of the newest verified slot after a restart, corrupt disk
// data reported (never reset), requests held while loading. Uses a tiny manual fake runtime.
import { describe, expect, it } from 'vitest';
import type { BlobStore, NodeId, Runtime, StorageResult } from '../runtime.js';
import { HaStoreNode, ha_disk_key, MAX_UNVERIFIED_LOADS } from './ha-store.js';
import { HaClient, type HaRecord, type HaResponse, parse_ha_response } from './ha-protocol.js';

type PutFault = 'io_error' | 'lost' | 'torn' | 'flip' | 'none';

/** Storage whose callbacks queue until drained; faults for the next puts/reads are queued by the test. */
class FakeDisk implements BlobStore {
  readonly data = new Map<string, Uint8Array>();
  readonly callbacks: (() => void)[] = [];
  put_faults: PutFault[] = [];
  flip_reads = 0;
  put(key: string, bytes: Uint8Array, done: (r: StorageResult<void>) => void): void {
    const fault = this.put_faults.shift() ?? 'none';
    this.callbacks.push(() => {
      if (fault === 'io_error') return done({ ok: false, error: 'io_error' });
      if (fault === 'torn') this.data.set(key, bytes.slice(0, bytes.length - 3));
      else if (fault === 'flip') this.data.set(key, flipped(bytes));
      else if (fault === 'none') this.data.set(key, bytes.slice());
      done({ ok: true, value: undefined });
    });
  }
  get(key: string, done: (r: StorageResult<Uint8Array>) => void): void {
    const flip = this.flip_reads > 0;
    if (flip) this.flip_reads--;
    this.callbacks.push(() => {
      const bytes = this.data.get(key);
      if (bytes === undefined) return done({ ok: false, error: 'missing' });
      done({ ok: true, value: flip ? flipped(bytes) : bytes.slice() });
    });
  }
  list(prefix: string, done: (r: StorageResult<string[]>) => void): void {
    this.callbacks.push(() => done({ ok: true, value: [...this.data.keys()].filter((k) => k.startsWith(prefix)).sort() }));
  }
  delete(key: string, done: (r: StorageResult<void>) => void): void {
    this.callbacks.push(() => { this.data.delete(key); done({ ok: true, value: undefined }); });
  }
  sync(key: string, done: (r: StorageResult<void>) => void): void {
    this.callbacks.push(() => done(this.data.has(key) ? { ok: true, value: undefined } : { ok: false, error: 'missing' }));
  }
}

function flipped(bytes: Uint8Array): Uint8Array {
  const copy = bytes.slice();
  copy[copy.length - 2] = (copy[copy.length - 2] as number) ^ 0x40;
  return copy;
}

class FakeRuntime implements Runtime {
  readonly node_id = 'ha';
  readonly sent: { to: NodeId; message: unknown }[] = [];
  readonly logs: string[] = [];
  readonly probes: string[] = [];
  readonly rng = { next: () => 0, int_inclusive: (min: number) => min, chance: () => false };
  readonly checkpoint_store = new FakeDisk();
  constructor(readonly disk: FakeDisk, readonly incarnation = 0) {}
  now_ms(): number { return 0; }
  monotonic_ms(): number { return 0; }
  send(to: NodeId, message: unknown): void { this.sent.push({ to, message }); }
  setTimer(): number { return 1; }
  cancelTimer(): void {}
  log(event: string): void { this.logs.push(event); }
  probe(name: string): void { this.probes.push(name); }
  fail_invariant(message: string): never { throw new Error(message); }
  drain(): void {
    for (let cb = this.disk.callbacks.shift(); cb !== undefined; cb = this.disk.callbacks.shift()) cb();
  }
  responses(): HaResponse[] {
    return this.sent.map((s) => parse_ha_response(s.message)).filter((r): r is HaResponse => r !== undefined);
  }
}

function record(latest: number, counter = latest + 1): HaRecord {
  return { job_id: 'job', checkpoints: latest > 0 ? [{ checkpoint_id: latest, metadata_path: `job/chk-${latest}/_metadata` }] : [], checkpoint_id_counter: counter, leader: { node_id: 'jm', fencing_token: 1 } };
}

function started(disk = new FakeDisk(), incarnation = 0): { runtime: FakeRuntime; node: HaStoreNode; client: HaClient } {
  const runtime = new FakeRuntime(disk, incarnation);
  const node = new HaStoreNode(runtime);
  node.on_start();
  runtime.drain();
  const client = new HaClient('ha', (to, message) => node.on_message('jm', message));
  return { runtime, node, client };
}

describe('HaStoreNode', () => {
  it('answers get for an unknown job with version 0 and no record', () => {
    const { runtime, client } = started();
    const id = client.get('job');
    expect(runtime.responses()).toEqual([{ type: 'ha.response', request_id: id, job_id: 'job', result: { ok: true, version: 0, record: null } }]);
  });

  it('acknowledges a put only after the disk write completed', () => {
    const { runtime, node, client } = started();
    client.put('job', 0, record(3));
    expect(runtime.responses()).toEqual([]);
    expect(node.inspect('job')?.version).toBe(0);
    runtime.drain();
    expect(runtime.responses()[0]?.result).toEqual({ ok: true, version: 1, record: record(3) });
    expect(runtime.disk.data.has(ha_disk_key('job', 'a'))).toBe(true);
  });

  it('rejects a put with a stale expected version and returns the current record', () => {
    const { runtime, client } = started();
    client.put('job', 0, record(3));
    runtime.drain();
    client.put('job', 0, record(4));
    expect(runtime.responses()[1]?.result).toEqual({ ok: false, error: 'version_conflict', detail: expect.any(String), version: 1, record: record(3) });
  });

  it('serialises concurrent puts: the second is checked against the first one\'s version', () => {
    const { runtime, client } = started();
    client.put('job', 0, record(3));
    client.put('job', 1, record(4));
    client.put('job', 1, record(5));
    runtime.drain();
    expect(runtime.responses().map((r) => r.result.ok)).toEqual([true, true, false]);
    client.get('job');
    expect(runtime.responses()[3]?.result).toEqual({ ok: true, version: 2, record: record(4) });
  });

  it('catches torn, lost and bit-flipped writes by reading back, and rewrites before acknowledging', () => {
    for (const fault of ['torn', 'lost', 'flip', 'io_error'] as const) {
      const first = started();
      first.client.put('job', 0, record(3));
      first.runtime.drain();
      first.runtime.disk.put_faults = [fault, fault];
      first.client.put('job', 1, record(5));
      first.runtime.drain();
      expect(first.runtime.responses()[1]?.result).toEqual({ ok: true, version: 2, record: record(5) });
      expect(first.runtime.logs.filter((e) => e === 'ha.write_retry')).toHaveLength(2);
      const second = started(first.runtime.disk, 1);
      second.client.get('job');
      expect(second.runtime.responses()[0]?.result).toEqual({ ok: true, version: 2, record: record(5) });
    }
  });

  it('reports a write that never verifies and keeps the previous version, also across a restart', () => {
    const first = started();
    first.client.put('job', 0, record(3));
    first.runtime.drain();
    first.runtime.disk.put_faults = ['torn', 'torn', 'torn', 'torn'];
    first.client.put('job', 1, record(5));
    first.runtime.drain();
    expect(first.runtime.responses()[1]?.result).toMatchObject({ ok: false, error: 'io_error', detail: expect.stringMatching(/4 attempts/) });
    expect(first.node.inspect('job')?.version).toBe(1);
    const second = started(first.runtime.disk, 1);
    second.client.get('job');
    expect(second.runtime.responses()[0]?.result).toEqual({ ok: true, version: 1, record: record(3) });
    expect(second.runtime.logs).toContain('ha.slot_invalid');
    expect(second.runtime.probes).toContain('ha.invalid_slot_on_load');
  });

  it('re-reads a slot whose read came back flipped instead of declaring it corrupt', () => {
    const first = started();
    first.client.put('job', 0, record(3));
    first.runtime.drain();
    first.runtime.disk.flip_reads = 2;
    const second = started(first.runtime.disk, 1);
    second.client.get('job');
    expect(second.runtime.responses()[0]?.result).toEqual({ ok: true, version: 1, record: record(3) });
    expect(second.runtime.logs).not.toContain('ha.slot_invalid');
  });

  it('alternates slots so the acknowledged version is never overwritten by the next write', () => {
    const { runtime, client } = started();
    client.put('job', 0, record(3));
    runtime.drain();
    const slot_a = runtime.disk.data.get(ha_disk_key('job', 'a'));
    client.put('job', 1, record(4));
    runtime.drain();
    expect(runtime.disk.data.get(ha_disk_key('job', 'a'))).toBe(slot_a);
    expect(runtime.disk.data.has(ha_disk_key('job', 'b'))).toBe(true);
  });

  it('reloads the latest durable record after a restart', () => {
    const first = started();
    first.client.put('job', 0, record(3));
    first.runtime.drain();
    first.client.put('job', 1, record(7));
    first.runtime.drain();
    const second = started(first.runtime.disk, 1);
    second.client.get('job');
    expect(second.runtime.responses()[0]?.result).toEqual({ ok: true, version: 2, record: record(7) });
  });

  it('holds requests that arrive while loading and answers them after the load', () => {
    const disk = new FakeDisk();
    const runtime = new FakeRuntime(disk);
    const node = new HaStoreNode(runtime);
    node.on_start();
    node.on_message('jm', { type: 'ha.get', request_id: 9, job_id: 'job' });
    expect(runtime.responses()).toEqual([]);
    runtime.drain();
    expect(runtime.responses().map((r) => r.request_id)).toEqual([9]);
  });

  it('reports corrupt disk data instead of resetting it, for gets and puts', () => {
    const first = started();
    first.client.put('job', 0, record(3));
    first.runtime.drain();
    const key = ha_disk_key('job', 'a');
    const bytes = first.runtime.disk.data.get(key) as Uint8Array;
    bytes[bytes.length - 2] = (bytes[bytes.length - 2] as number) ^ 0x40;
    const second = started(first.runtime.disk, 1);
    // Flipped reads come and go: the store loads again before it calls damage at rest corruption.
    expect(second.runtime.logs).toEqual(['ha.load_retry']);
    for (let load = 2; load <= MAX_UNVERIFIED_LOADS; load++) {
      second.node.on_timer({ kind: 'ha.load_retry' });
      second.runtime.drain();
    }
    expect(second.runtime.logs.filter((event) => event === 'ha.load_retry')).toHaveLength(MAX_UNVERIFIED_LOADS - 1);
    expect(second.runtime.logs).toContain('ha.corrupt');
    expect(second.runtime.probes).toContain('ha.corrupt_record_detected');
    second.client.get('job');
    second.client.put('job', 0, record(1));
    second.runtime.drain();
    expect(second.runtime.responses().map((r) => r.result)).toEqual([
      { ok: false, error: 'corrupt', detail: expect.stringMatching(/checksum/) },
      { ok: false, error: 'corrupt', detail: expect.stringMatching(/checksum/) },
    ]);
    expect(second.runtime.disk.data.get(key)).toBe(bytes);
  });

  it('rejects malformed records and ignores messages that are not requests', () => {
    const { runtime, node, client } = started();
    expect(() => client.put('job', 0, { ...record(3), checkpoint_id_counter: 2 })).toThrow(/counter/);
    node.on_message('jm', { type: 'ha.put', request_id: 5, job_id: 'job', expected_version: 0, record: { job_id: 'other' } });
    node.on_message('jm', 'hello');
    expect(runtime.responses()[0]?.result).toMatchObject({ ok: false, error: 'bad_request' });
    expect(runtime.logs).toContain('ha.bad_request');
  });

  it('accepts a terminal job status and rejects a malformed one', () => {
    const { client } = started();
    expect(() => client.put('job', 0, { ...record(3), terminal: { status: 'DONE', reason: 'x' } as never })).toThrow(/terminal/);
    expect(() => client.put('job', 0, { ...record(3), terminal: { status: 'FINISHED', reason: 'all tasks finished' } })).not.toThrow();
  });
});
