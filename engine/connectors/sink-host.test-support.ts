// Test support for the sink specifications: stand-ins for what hosts a sink writer — a task that runs a Sink through
// the engine's Sink API with the checkpoint hooks (extended context, tagged replies, wakeAfter as flush, operator list
// state restored from a checkpoint), processes hosting bare writers that tick them, and the store faults of the models.
import fc from 'fast-check';
import type { Sink, SinkWriterContext } from '../api/functions.js';
import type { EngineNode, NodeId, Runtime } from '../runtime.js';
import { OperatorListState } from '../state/operator-state.js';
import { TXSTORE_CONTROL, TransactionalStore, type TxstoreControlMessage } from './transactional-store.js';
import type { FakeWorld } from './transactional-store.test-support.js';
import {
  TwoPhaseCommitSinkWriter,
  type CheckpointedSinkWriter,
  type CheckpointedSinkWriterContext,
  type RestoredSinkState,
  type TwoPhaseCommitSinkOptions,
} from './two-phase-commit-sink.js';

/** Operator list states as a checkpoint holds them, by state name. */
export type ListStates = Map<string, unknown[]>;

export interface SinkTaskOptions {
  /** The job attempt (fences zombie writers); left out of the context when undefined. */
  attempt?: number;
  subtask_index?: number;
  parallelism?: number;
  /** The checkpoint this deployment restores, with the operator list states it hands this subtask. */
  restored?: { checkpoint_id: number | null; lists: ListStates } | null;
}

/** A stand-in for the task layer: builds the extended context, routes tagged replies, runs wakeAfter as flush. */
export class SinkTask implements EngineNode {
  writer!: CheckpointedSinkWriter<unknown>;
  /** Every wakeAfter the writer asked for, in order. */
  readonly wakes: number[] = [];
  readonly list_states = new Map<string, OperatorListState<unknown>>();
  constructor(
    readonly runtime: Runtime,
    private readonly sink: Sink<unknown>,
    private readonly options: SinkTaskOptions = {},
  ) {}

  get tag(): string {
    return `attempt-${this.runtime.incarnation}/sink-${this.options.subtask_index ?? 0}`;
  }

  context(): CheckpointedSinkWriterContext {
    const rt = this.runtime;
    const restored = this.options.restored ?? null;
    return {
      node_id: rt.node_id,
      subtask_index: this.options.subtask_index ?? 0,
      parallelism: this.options.parallelism ?? 1,
      sink_name: 'out',
      reply_tag: this.tag,
      restored_checkpoint_id: restored?.checkpoint_id ?? null,
      ...(this.options.attempt === undefined ? {} : { attempt: this.options.attempt }),
      now_ms: () => rt.now_ms(),
      send: (to, m) => rt.send(to, m),
      wakeAfter: (after_ms) => {
        this.wakes.push(after_ms);
        rt.setTimer(after_ms, 'wake');
      },
      getOperatorListState: <T,>(name: string, mode: 'split' | 'union') => {
        let state = this.list_states.get(name);
        if (state === undefined) {
          state = new OperatorListState<unknown>(name, mode);
          state.update(restored?.lists.get(name) ?? []);
          this.list_states.set(name, state);
        }
        return state as OperatorListState<T>;
      },
      log: (e, f) => rt.log(e, f),
      probe: (n) => rt.probe(n),
      fail_invariant: (m, d) => rt.fail_invariant(m, d),
    };
  }

  on_start(): void {
    this.writer = this.sink.createWriter(this.context()) as CheckpointedSinkWriter<unknown>;
    this.writer.initializeState();
  }
  on_message(_from: NodeId, message: unknown): void {
    if ((message as { reply_tag?: string }).reply_tag === this.tag) this.writer.onMessage(message);
  }
  on_timer(): void {
    this.writer.flush(false);
  }

  /** The operator list states as the checkpoint persists them after snapshotState (deep copies). */
  checkpointed_lists(): ListStates {
    return new Map([...this.list_states].map(([name, state]) => [name, JSON.parse(JSON.stringify(state.get())) as unknown[]]));
  }
}

/** The context of a task that does not provide the checkpoint hooks. */
export function plain_sink_context(): SinkWriterContext {
  return {
    node_id: 'tm',
    subtask_index: 0,
    parallelism: 1,
    sink_name: 'out',
    now_ms: () => 0,
    send: () => {},
    wakeAfter: () => {},
    getOperatorListState: <T,>(name: string, mode: 'split' | 'union') => new OperatorListState<T>(name, mode),
  };
}

export const WRITER_TICK_MS = 20;

/** Hosts one bare two-phase-commit writer in a process: routes responses, ticks, records precommit callbacks. */
export class TwoPhaseCommitWriterHost implements EngineNode {
  readonly writer: TwoPhaseCommitSinkWriter;
  readonly precommitted: number[] = [];
  readonly failures: string[] = [];
  constructor(
    readonly runtime: Runtime,
    options: Partial<TwoPhaseCommitSinkOptions>,
    private readonly restored: RestoredSinkState | null,
    on_precommitted?: (id: number) => void,
  ) {
    this.writer = new TwoPhaseCommitSinkWriter(runtime, { send: (to, m) => runtime.send(to, m) }, {
      transactional_id_prefix: 'out',
      subtask_index: 0,
      parallelism: 1,
      store_node: 'store',
      client_id: `${runtime.node_id}#${runtime.incarnation}`,
      records_per_write: 2,
      on_precommitted: (id) => {
        this.precommitted.push(id);
        on_precommitted?.(id);
      },
      on_failure: (reason) => this.failures.push(reason),
      ...options,
    });
  }
  on_start(): void {
    this.writer.initialize_state(this.restored);
    this.runtime.setTimer(WRITER_TICK_MS, 'tick');
  }
  on_message(_from: NodeId, message: unknown): void {
    this.writer.on_message(message);
  }
  on_timer(): void {
    this.writer.tick();
    this.runtime.setTimer(WRITER_TICK_MS, 'tick');
  }
}

/** What a bare writer without transactions offers its process: replies in, periodic resends. */
export interface TickedWriter {
  initialize_state(): void;
  on_message(message: unknown): boolean;
  tick(): void;
}

/** Hosts one bare idempotent or at-least-once writer in a process: routes replies, ticks it, counts its replies. */
export class TickedWriterHost<W extends TickedWriter> implements EngineNode {
  readonly writer: W;
  /** Messages the writer said were its replies, and those it said were not. */
  readonly replies = { own: 0, other: 0 };
  constructor(
    readonly runtime: Runtime,
    make: (runtime: Runtime) => W,
  ) {
    this.writer = make(runtime);
  }
  on_start(): void {
    this.writer.initialize_state();
    this.runtime.setTimer(WRITER_TICK_MS, 'tick');
  }
  on_message(_from: NodeId, message: unknown): void {
    if (this.writer.on_message(message)) this.replies.own += 1;
    else this.replies.other += 1;
  }
  on_timer(): void {
    this.writer.tick();
    this.runtime.setTimer(WRITER_TICK_MS, 'tick');
  }
}

/** Faults of the store and of the links to it, as steps of the sink model checks. */
export type StoreFaultStep =
  | { kind: 'store_crash' }
  | { kind: 'lossy'; drop_every: number }
  | { kind: 'heal' }
  | { kind: 'outage'; outage_ms: number };

/** Draws store faults, each with weight 1 among a model's steps. */
export const store_fault_arbitraries: { weight: number; arbitrary: fc.Arbitrary<StoreFaultStep> }[] = [
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('store_crash' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('lossy' as const), drop_every: fc.integer({ min: 2, max: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('heal' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('outage' as const), outage_ms: fc.integer({ min: 10, max: 150 }) }) },
];

/** Applies store faults to a world whose store node is 'store': crash and reload, lossy links, outages. */
export class StoreFaults {
  private drop_every = 0;
  private dropped = 0;
  constructor(private readonly world: FakeWorld) {
    world.drop_message = (from, to) => from !== to && this.drop_every > 0 && this.dropped++ % this.drop_every === 0;
  }
  apply(step: StoreFaultStep): void {
    switch (step.kind) {
      case 'store_crash':
        this.world.crash('store');
        this.world.start('store');
        return;
      case 'lossy':
        this.drop_every = step.drop_every;
        return;
      case 'heal':
        this.drop_every = 0;
        return;
      case 'outage': {
        const control: TxstoreControlMessage = { type: TXSTORE_CONTROL, outage_ms: step.outage_ms };
        this.world.node<TransactionalStore>('store').on_message('ops', control);
        return;
      }
    }
  }
}

/** Wraps a writer's on_message to record what it answers (whether each message was its reply). */
export function record_replies(writer: { on_message(message: unknown): boolean }): boolean[] {
  const replies: boolean[] = [];
  const original = writer.on_message.bind(writer);
  writer.on_message = (message) => {
    const mine = original(message);
    replies.push(mine);
    return mine;
  };
  return replies;
}
