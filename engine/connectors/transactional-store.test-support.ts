// Test support for the connector tests: a tiny deterministic world implementing engine/runtime.ts — a virtual
// clock, one task queue for messages, timers and disk callbacks (drained explicitly), per-node disks, crash/restart.
import type { BlobStore, EngineNode, NodeId, Random, Runtime, StorageResult, TimerHandle } from '../runtime.js';

interface Task {
  at_ms: number;
  seq: number;
  node: NodeId;
  incarnation: number;
  run: () => void;
}

export interface LoggedEvent {
  node: NodeId;
  time_ms: number;
  event: string;
  fields: Record<string, unknown>;
}

interface Hosted {
  node: EngineNode | null;
  incarnation: number;
  factory: (runtime: Runtime) => EngineNode;
}

export class InvariantFailure extends Error {}

/** A minimal world: messages and disk operations take `latency_ms`; everything runs in (time, seq) order. */
export class FakeWorld {
  now_ms = 0;
  latency_ms = 1;
  readonly logs: LoggedEvent[] = [];
  readonly probes = new Map<string, number>();
  readonly disks = new Map<NodeId, Map<string, Uint8Array>>();
  /** Messages matching this predicate are dropped in flight. */
  drop_message: (from: NodeId, to: NodeId, message: unknown) => boolean = () => false;
  /** Disk puts matching this predicate fail with io_error (nothing is written). */
  fail_put: (node: NodeId, key: string) => boolean = () => false;
  /** Disk gets matching this predicate fail with io_error (a transient read error). */
  fail_get: (node: NodeId, key: string) => boolean = () => false;
  private readonly tasks: Task[] = [];
  private seq = 0;
  private readonly hosted = new Map<NodeId, Hosted>();
  private next_timer: TimerHandle = 1;
  private readonly cancelled = new Set<TimerHandle>();

  add(node_id: NodeId, factory: (runtime: Runtime) => EngineNode): void {
    this.hosted.set(node_id, { node: null, incarnation: -1, factory });
    this.start(node_id);
  }

  node<T extends EngineNode>(node_id: NodeId): T {
    const hosted = this.hosted.get(node_id);
    if (hosted?.node === null || hosted === undefined) throw new Error(`${node_id} is not running`);
    return hosted.node as T;
  }

  crash(node_id: NodeId): void {
    const hosted = this.must(node_id);
    hosted.node = null;
  }

  start(node_id: NodeId): void {
    const hosted = this.must(node_id);
    hosted.incarnation += 1;
    hosted.node = hosted.factory(this.runtime_for(node_id, hosted.incarnation));
    hosted.node.on_start();
  }

  /** Runs every task due at or before now + `for_ms`, then sets the clock to that time. */
  run_for(for_ms: number): void {
    const until_ms = this.now_ms + for_ms;
    for (;;) {
      const task = this.tasks[0];
      if (task === undefined || task.at_ms > until_ms) break;
      this.tasks.shift();
      this.now_ms = task.at_ms;
      const hosted = this.hosted.get(task.node);
      if (hosted?.node === null || hosted === undefined || hosted.incarnation !== task.incarnation) continue;
      task.run();
    }
    this.now_ms = until_ms;
  }

  /** Runs until no task is left within `limit_ms` (timers further away stay queued). */
  settle(limit_ms = 1_000): void {
    this.run_for(limit_ms);
  }

  events(name: string): LoggedEvent[] {
    return this.logs.filter((e) => e.event === name);
  }

  disk_of(node_id: NodeId): Map<string, Uint8Array> {
    let disk = this.disks.get(node_id);
    if (disk === undefined) {
      disk = new Map();
      this.disks.set(node_id, disk);
    }
    return disk;
  }

  private must(node_id: NodeId): Hosted {
    const hosted = this.hosted.get(node_id);
    if (hosted === undefined) throw new Error(`unknown node ${node_id}`);
    return hosted;
  }

  private schedule(node: NodeId, incarnation: number, after_ms: number, run: () => void): void {
    const task: Task = { at_ms: this.now_ms + after_ms, seq: this.seq++, node, incarnation, run };
    let index = this.tasks.length;
    while (index > 0) {
      const before = this.tasks[index - 1] as Task;
      if (before.at_ms < task.at_ms || (before.at_ms === task.at_ms && before.seq < task.seq)) break;
      index -= 1;
    }
    this.tasks.splice(index, 0, task);
  }

  private blob_store(node_id: NodeId, incarnation: number, disk: Map<string, Uint8Array>): BlobStore {
    const later = <T>(done: (result: StorageResult<T>) => void, result: StorageResult<T>): void =>
      this.schedule(node_id, incarnation, this.latency_ms, () => done(result));
    return {
      put: (key, bytes, done) => {
        if (this.fail_put(node_id, key)) return later(done, { ok: false, error: 'io_error' });
        disk.set(key, new Uint8Array(bytes));
        later(done, { ok: true, value: undefined });
      },
      get: (key, done) => {
        if (this.fail_get(node_id, key)) return later(done, { ok: false, error: 'io_error' });
        const bytes = disk.get(key);
        later(done, bytes === undefined ? { ok: false, error: 'missing' } : { ok: true, value: new Uint8Array(bytes) });
      },
      list: (prefix, done) => later(done, { ok: true, value: [...disk.keys()].filter((k) => k.startsWith(prefix)).sort() }),
      delete: (key, done) => {
        disk.delete(key);
        later(done, { ok: true, value: undefined });
      },
      // This model's disk keeps every completed put (its crashes lose only what was in flight).
      sync: (key, done) => later(done, disk.has(key) ? { ok: true, value: undefined } : { ok: false, error: 'missing' }),
    };
  }

  private runtime_for(node_id: NodeId, incarnation: number): Runtime {
    let rng_state = 0x9e3779b9 ^ (incarnation + 1);
    const rng: Random = {
      next: () => {
        rng_state = (Math.imul(rng_state, 1664525) + 1013904223) >>> 0;
        return rng_state / 2 ** 32;
      },
      int_inclusive: (min, max) => min + Math.floor(rng.next() * (max - min + 1)),
      chance: (ratio) => rng.next() < ratio,
    };
    return this.make_runtime(node_id, incarnation, rng);
  }

  private make_runtime(node_id: NodeId, incarnation: number, rng: Random): Runtime {
    const world: FakeWorld = this as FakeWorld;
    return {
      node_id,
      incarnation,
      now_ms: () => world.now_ms,
      monotonic_ms: () => world.now_ms,
      send: (to, message) => {
        if (world.drop_message(node_id, to, message)) return;
        const target = world.hosted.get(to);
        if (target === undefined) return;
        const target_incarnation = target.incarnation;
        world.schedule(to, target_incarnation, world.latency_ms, () => target.node?.on_message(node_id, message));
      },
      setTimer: (after_ms, tag) => {
        const handle = world.next_timer++;
        world.schedule(node_id, incarnation, after_ms, () => {
          if (world.cancelled.delete(handle)) return;
          world.node(node_id).on_timer(tag);
        });
        return handle;
      },
      cancelTimer: (handle) => {
        world.cancelled.add(handle);
      },
      rng,
      disk: this.blob_store(node_id, incarnation, this.disk_of(node_id)),
      checkpoint_store: this.blob_store(node_id, incarnation, this.disk_of('checkpoint-store')),
      log: (event, fields = {}) => world.logs.push({ node: node_id, time_ms: world.now_ms, event, fields }),
      probe: (name) => world.probes.set(name, (world.probes.get(name) ?? 0) + 1),
      fail_invariant: (message, detail) => {
        throw new InvariantFailure(`${node_id}: ${message} ${JSON.stringify(detail ?? {})}`);
      },
    };
  }
}

/** A node that records what it receives and lets a test send as it. */
export class Recorder implements EngineNode {
  readonly received: { from: NodeId; message: unknown }[] = [];
  readonly timers: unknown[] = [];
  constructor(readonly runtime: Runtime) {}
  on_start(): void {}
  on_message(from: NodeId, message: unknown): void {
    this.received.push({ from, message });
  }
  on_timer(tag: unknown): void {
    this.timers.push(tag);
  }
}
