// Specification of the split source hosted the engine's way: readers behind SourceReaderContext (one reply tag each,
// splits in operator list state) and the enumerator in a JobManager-side coordinator, over the real log broker,
// with lost messages, and a restore from (list state, master state) emitting exactly the rest.
import { describe, expect, it } from 'vitest';
import type { PollStatus, SourceReader, SourceReaderContext } from '../../api/functions.js';
import type { MasterState } from '../../checkpoint/metadata.js';
import type { EngineNode, NodeId, Runtime } from '../../runtime.js';
import { OperatorListState } from '../../state/operator-state.js';
import { LogBroker, type LogRecord } from '../log-broker.js';
import { FakeWorld } from '../transactional-store.test-support.js';
import { LogSplitCoordinator, SPLITS_STATE, SplitLogSource } from './engine-source.js';

const PARALLELISM = 2;

class FakeJobManager implements EngineNode {
  coordinator!: LogSplitCoordinator;
  constructor(
    readonly runtime: Runtime,
    private readonly restored: { checkpoint_id: number; master: MasterState[] } | null,
  ) {}
  on_start(): void {
    this.coordinator = new LogSplitCoordinator(this.runtime, {
      source_uid: 'src',
      topic: 'words',
      mode: 'bounded',
      parallelism: PARALLELISM,
      broker_node: 'broker',
      instance_id: `jm#${this.runtime.incarnation}`,
      retry_after_ms: 30,
    });
    this.coordinator.start(this.restored?.master ?? null, this.restored?.checkpoint_id ?? 0);
    this.runtime.setTimer(10, 'tick');
  }
  on_message(from: NodeId, message: unknown): void {
    this.coordinator.on_message(from, message);
  }
  on_timer(): void {
    this.coordinator.tick();
    this.runtime.setTimer(10, 'tick');
  }
}

/** Hosts the source readers as the TaskManager does: routes by reply_tag, polls on wake-ups. */
class FakeSourceTasks implements EngineNode {
  readonly readers: SourceReader<unknown>[] = [];
  readonly lists: OperatorListState<unknown>[] = [];
  readonly emitted: string[] = [];
  readonly status: PollStatus[] = [];
  constructor(
    readonly runtime: Runtime,
    private readonly restored_lists: unknown[][] | null,
  ) {}
  on_start(): void {
    const source = new SplitLogSource({ source_uid: 'src', broker: 'broker', topic: 'words', bounded: true, fetch_records: 3, retry_ms: 30 });
    for (let i = 0; i < PARALLELISM; i++) {
      const list = new OperatorListState<unknown>(SPLITS_STATE, 'split');
      list.update(this.restored_lists?.[i] ?? []);
      this.lists.push(list);
      const ctx: SourceReaderContext = {
        node_id: this.runtime.node_id,
        subtask_index: i,
        parallelism: PARALLELISM,
        reply_tag: `a${this.runtime.incarnation}/src-${i}`,
        job_manager: () => 'jm',
        now_ms: () => this.runtime.now_ms(),
        send: (to, m) => this.runtime.send(to, m),
        wake: () => void this.runtime.setTimer(0, i),
        wakeAfter: (after_ms) => void this.runtime.setTimer(after_ms, i),
        getOperatorListState: <T,>() => list as OperatorListState<T>,
        log: (e, f) => this.runtime.log(e, f),
      };
      this.readers.push(source.createReader(ctx));
      this.status.push('nothing_available');
    }
    for (const r of this.readers) r.start();
  }
  on_message(_from: NodeId, message: unknown): void {
    const tag = (message as { reply_tag?: string }).reply_tag ?? '';
    const match = new RegExp(`^a${this.runtime.incarnation}/src-(\\d+)$`).exec(tag);
    if (match !== null) this.readers[Number(match[1])]?.onMessage(message);
  }
  on_timer(tag: unknown): void {
    const i = tag as number;
    if (this.status[i] === 'end_of_input') return;
    this.status[i] = this.readers[i]!.pollNext({ collect: (value, _ts, split) => void this.emitted.push(`${split}:${String(value)}`) }, 4);
    if (this.status[i] === 'more') this.runtime.setTimer(1, i); // the task keeps polling while there is more
  }
  finished(): boolean {
    return this.status.every((s) => s === 'end_of_input');
  }
}

function setup() {
  const input = [0, 1, 2].map((p) => Array.from({ length: 10 }, (_, i) => `p${p}-${i}`));
  const world = new FakeWorld();
  const preload = new Map<string, LogRecord[][]>([['words', input.map((p) => p.map((value) => ({ value, timestamp_ms: 0 })))]]);
  world.add('broker', (runtime) => new LogBroker(runtime, { topics: [{ name: 'words', partitions: 3 }], preload }));
  world.settle(100);
  const expected = input.flatMap((p, partition) => p.map((v) => `words-${partition}:${v}`)).sort();
  return { world, expected };
}

describe('split source hosted in the engine Source API', () => {
  it('reads every record exactly once despite lost registrations, assignments and fetch replies', () => {
    const { world, expected } = setup();
    let x = 12345; // a seeded xorshift decides which messages are lost (a fixed period would resonate with retries)
    let dropped = 0;
    world.drop_message = (from, to) => {
      if (from !== 'jm' && to !== 'jm' && from !== 'broker') return false;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      const drop = (x >>> 0) % 3 === 0;
      if (drop) dropped += 1;
      return drop;
    };
    world.add('jm', (runtime) => new FakeJobManager(runtime, null));
    world.add('tm', (runtime) => new FakeSourceTasks(runtime, null));
    for (let t = 0; t < 5_000 && !world.node<FakeSourceTasks>('tm').finished(); t += 20) world.run_for(20);
    const tasks = world.node<FakeSourceTasks>('tm');
    expect(tasks.finished()).toBe(true);
    expect([...tasks.emitted].sort()).toEqual(expected);
    expect(tasks.lists.map((l) => l.get())).toEqual([[], []]);
    expect(dropped).toBeGreaterThan(5);
  });

  it('restored from operator list state and the coordinator master state, it emits exactly the rest', () => {
    const { world, expected } = setup();
    world.add('jm', (runtime) => new FakeJobManager(runtime, null));
    world.add('tm', (runtime) => new FakeSourceTasks(runtime, null));
    for (let t = 0; t < 1_000 && world.node<FakeSourceTasks>('tm').emitted.length < 6; t++) world.run_for(1);
    // a checkpoint: master state first, then the readers' list states (both at a quiet point of this world)
    const master = [world.node<FakeJobManager>('jm').coordinator.snapshot_master_state(1)];
    const lists = world.node<FakeSourceTasks>('tm').lists.map((l) => JSON.parse(JSON.stringify(l.get())) as unknown[]);
    const before = [...world.node<FakeSourceTasks>('tm').emitted];
    expect(before.length).toBeGreaterThan(0);
    expect(before.length).toBeLessThan(expected.length);
    world.run_for(3); // progress after the checkpoint is lost with the crash
    world.crash('tm');
    world.crash('jm');
    world.add('jm', (runtime) => new FakeJobManager(runtime, { checkpoint_id: 1, master }));
    world.add('tm', (runtime) => new FakeSourceTasks(runtime, lists));
    for (let t = 0; t < 5_000 && !world.node<FakeSourceTasks>('tm').finished(); t += 20) world.run_for(20);
    const after = world.node<FakeSourceTasks>('tm').emitted;
    expect([...before, ...after].sort()).toEqual(expected);
  });
});
