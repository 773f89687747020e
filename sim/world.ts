// The deterministic world: virtual clock, event queue, hosted processes (start/crash/restart/pause, per-process
// clocks), the simulated network and storage, named random streams and the trace. One seed decides everything.
// Drivers (workload, fault plans, the nemesis) act through schedule()/after() and the fault methods below.
import { EventQueue } from './event-queue.js';
import { InvariantViolation } from './invariant.js';
import { Link, NetworkRules, sample_latency_ms, validate_latency_model, type LatencyModel, type PartitionRule } from './network.js';
import { Rng } from './random.js';
import { SimStore, unsynced_outcomes, type CrashResolution, type PlannedOp, type StorageFaultKind, type StoreOptions, type UnsyncedOutcome } from './storage.js';
import { InternCache, Trace, type TraceSink } from './trace.js';
import type {
  ProcessContext,
  ProcessFactory,
  ProcessId,
  SimBlobStore,
  SimProcess,
  StorageResult,
  TimerHandle,
} from './types.js';

export { InvariantViolation } from './invariant.js';

export interface WorldOptions {
  seed: number;
  /** Scenario name for the trace header. */
  scenario?: string;
  /** Bound on queued events (default 1,000,000); exceeding it is an InvariantViolation. */
  max_queued_events?: number;
  /** Where trace records go besides the hash (default 'none'). */
  trace?: TraceSink;
  network?: {
    default_latency?: LatencyModel;
    /** Bound on messages in flight per directed link (default 100,000); beyond it sends drop with reason 'overflow'. */
    max_in_flight_per_link?: number;
  };
  storage?: { checkpoint_store?: Partial<StoreOptions>; disk?: Partial<StoreOptions> };
  /** Bound on hosted processes (default 1,024). */
  max_processes?: number;
  /** Bound on events held for one paused process (default 100,000); exceeding it is an InvariantViolation. */
  max_held_events_per_process?: number;
  /**
   * Events at the same virtual time run in a seeded random order (from the 'ties' stream) instead of scheduling
   * order, to explore interleavings. Messages on one link stay FIFO: a later message is delivered strictly later.
   */
  shuffle_ties?: boolean;
}

/** How much later than the previous message on its link a message is delivered when ties are shuffled. */
export const LINK_FIFO_GAP_MS = 1e-6;

export interface AddProcessOptions {
  /** First start after this delay (default 0: at the current time, as its own event). */
  start_after_ms?: number;
  /** Overrides for this process's disk. */
  disk?: Partial<StoreOptions>;
}

export interface RunOptions {
  /** Stop before the first event later than this; the clock then reads until_ms (also when the queue ran empty). */
  until_ms?: number;
  /** Stop as soon as this returns true (checked before the first event and after each event). */
  until?: () => boolean;
  /** Stop after this many events in this call. */
  max_events?: number;
}

export type StopReason = 'idle' | 'until_ms' | 'until' | 'max_events';

export interface RunOutcome {
  reason: StopReason;
  /** Events processed by this call. */
  events: number;
  now_ms: number;
}

export interface WorldSummary {
  seed: number;
  trace_hash: string;
  events: number;
  virtual_time_ms: number;
  trace_records: number;
  faults_by_kind: Record<string, number>;
  probes: Record<string, number>;
}

export interface FaultNote {
  time_ms: number;
  kind: string;
  target: string;
  detail?: string;
}

export const checkpoint_store_name = 'checkpoint';
export function disk_store_name(process_id: ProcessId): string {
  return `disk/${process_id}`;
}

const default_checkpoint_store: StoreOptions = {
  latency: { kind: 'uniform', min_ms: 2, max_ms: 10 },
  capacity_bytes: 1 << 30,
};
const default_disk: StoreOptions = {
  latency: { kind: 'uniform', min_ms: 0.1, max_ms: 1 },
  capacity_bytes: 256 << 20,
};

// Event kinds in the queue.
const event_callback = 0;
const event_start = 1;
const event_deliver = 2;
const event_timer = 3;
const event_storage = 4;
const event_resume = 5;
const event_refused = 6;

interface HeldEvent {
  kind: number;
  a: number;
  b: number;
  c: number;
  ref: unknown;
}

/** A message the receiver's host refused (its process is down), on its way back to the sender. */
interface Refusal {
  to_id: ProcessId;
  message_id: number;
  message: unknown;
}

interface PendingStorage {
  store: SimStore;
  planned: PlannedOp;
  done: (result: StorageResult<never>) => void;
}

class ProcessSlot {
  alive = false;
  /** Bumped on every start and crash: events stamped with an older life are dropped. */
  life = 0;
  /** -1 until the first start. */
  incarnation = -1;
  process: SimProcess | undefined = undefined;
  paused = false;
  resume_token = 0;
  resume_at_ms = 0;
  readonly held: HeldEvent[] = [];
  start_token = 0;
  /** The fate a crash chose for this process's unsynced writes (writes still in flight meet it when they land). */
  unsynced_fate: UnsyncedOutcome | undefined = undefined;
  readonly pending_timers = new Set<number>();
  // Clock: local = base_local_ms + (virtual - base_virtual_ms) * rate.
  clock_base_virtual_ms = 0;
  clock_base_local_ms = 0;
  clock_rate = 1;
  /** The monotonic clock's reading at clock_base_virtual_ms (it runs at clock_rate and never jumps). */
  clock_base_monotonic_ms = 0;
  drift_ppm = 0;
  readonly out_links: (Link | undefined)[] = [];
  last_to_id = '';
  last_to_slot: ProcessSlot | undefined = undefined;
  readonly in_links: Link[] = [];
  /** The hash of the last timer tag traced for this process. */
  readonly timer_tag_cache = new InternCache();
  constructor(
    readonly index: number,
    readonly id: ProcessId,
    readonly id_hash: number,
    readonly factory: ProcessFactory,
    readonly disk: SimStore,
  ) {}
}

export class World {
  readonly seed: number;
  readonly trace: Trace;
  private current_ms = 0;
  private events_total = 0;
  private readonly queue: EventQueue;
  private readonly root_rng: Rng;
  private readonly streams = new Map<string, Rng>();
  private readonly network_rng: Rng;
  /** Round trips of refused connections: a stream of its own, so refusals never shift network latencies. */
  private readonly refusal_rng: Rng;
  private readonly storage_rng: Rng;
  /** What a crash does to unsynced writes: a stream of its own, so crashes never shift other storage draws. */
  private readonly unsynced_rng: Rng;
  private readonly slots: ProcessSlot[] = [];
  private readonly slot_by_id = new Map<ProcessId, ProcessSlot>();
  private readonly links: Link[] = [];
  private readonly rules = new NetworkRules();
  private default_latency: LatencyModel;
  private readonly max_in_flight_per_link: number;
  private readonly max_processes: number;
  private readonly max_held_events_per_process: number;
  private readonly disk_defaults: StoreOptions;
  readonly checkpoint_store: SimStore;
  private next_message_id = 0;
  private next_timer_handle = 1;
  private readonly probe_hits = new Map<string, number>();
  private readonly fault_counts = new Map<string, number>();
  private readonly fault_notes: FaultNote[] = [];
  private readonly max_fault_notes = 10_000;
  /** Set by finish(): the hash of every record before 'end', which the 'end' record carries and the summary reports. */
  private final_hash: string | undefined;
  private readonly shuffle_ties: boolean;

  constructor(options: WorldOptions) {
    if (!Number.isSafeInteger(options.seed)) throw new Error(`World: seed must be a safe integer, got ${options.seed}`);
    this.seed = options.seed;
    this.trace = new Trace(options.seed, { sink: options.trace ?? 'none', scenario: options.scenario ?? '' });
    this.root_rng = new Rng(String(options.seed));
    this.shuffle_ties = options.shuffle_ties === true;
    const ties_rng = this.shuffle_ties ? this.random('ties') : undefined;
    this.queue = new EventQueue(
      options.max_queued_events ?? 1_000_000,
      ties_rng === undefined ? undefined : () => Math.floor(ties_rng.next() * 2 ** 32),
    );
    this.network_rng = this.random('network');
    this.refusal_rng = this.random('network/refusals');
    this.storage_rng = this.random('storage');
    this.unsynced_rng = this.random('storage/unsynced');
    this.default_latency = options.network?.default_latency ?? { kind: 'uniform', min_ms: 0.5, max_ms: 2 };
    validate_latency_model(this.default_latency);
    this.max_in_flight_per_link = options.network?.max_in_flight_per_link ?? 100_000;
    this.max_processes = options.max_processes ?? 1024;
    this.max_held_events_per_process = options.max_held_events_per_process ?? 100_000;
    this.disk_defaults = { ...default_disk, ...options.storage?.disk };
    this.checkpoint_store = new SimStore(checkpoint_store_name, {
      ...default_checkpoint_store,
      ...options.storage?.checkpoint_store,
    });
  }

  // ------------------------------------------------------------------ clock, randomness, scheduling

  /** Virtual time in milliseconds. */
  get now_ms(): number {
    return this.current_ms;
  }

  /** Events processed since the world was created. */
  get events(): number {
    return this.events_total;
  }

  /** Events waiting in the queue. */
  get queued_events(): number {
    return this.queue.size;
  }

  /**
   * The named stream `${seed}/${name}` (cached: the same object every call). The world itself draws from "network"
   * and "storage" (do not draw from those); drivers use e.g. "faults", "workload"; "process/…" names are refused
   * (a process incarnation's stream is its context.rng).
   */
  random(name: string): Rng {
    if (name.startsWith('process/')) {
      throw new Error(`World.random: "${name}" is reserved for process incarnations (their context.rng)`);
    }
    let stream = this.streams.get(name);
    if (stream === undefined) {
      stream = this.root_rng.fork(name);
      this.streams.set(name, stream);
    }
    return stream;
  }

  /** Runs `callback` at virtual time at_ms (>= now) as its own event, after events already queued for that time. */
  schedule(at_ms: number, callback: () => void): void {
    if (!(at_ms >= this.current_ms && Number.isFinite(at_ms))) {
      throw new Error(`World.schedule: at_ms=${at_ms} is in the past (now_ms=${this.current_ms}) or not finite`);
    }
    this.queue.push(at_ms, event_callback, 0, 0, 0, callback);
  }

  after(delay_ms: number, callback: () => void): void {
    this.schedule(this.current_ms + delay_ms, callback);
  }

  // ------------------------------------------------------------------ running

  run(options: RunOptions = {}): RunOutcome {
    this.enter_loop();
    try {
      return this.run_loop(options);
    } finally {
      this.running = false;
    }
  }

  /** Processes one event; false when the queue is empty. */
  step(): boolean {
    this.enter_loop();
    try {
      if (!this.queue.pop()) return false;
      this.dispatch_popped();
      return true;
    } catch (error) {
      this.note_violation(error);
      throw error;
    } finally {
      this.running = false;
    }
  }

  private running = false;

  private enter_loop(): void {
    if (this.running) throw new Error('World.run/step called from inside an event: the event queue is the only scheduler');
    this.running = true;
  }

  private run_loop(options: RunOptions): RunOutcome {
    const until_ms = options.until_ms ?? Infinity;
    const until = options.until;
    const max_events = options.max_events ?? Infinity;
    const queue = this.queue;
    let events = 0;
    let reason: StopReason;
    try {
      for (;;) {
        if (until !== undefined && until()) {
          reason = 'until';
          break;
        }
        if (events >= max_events) {
          reason = 'max_events';
          break;
        }
        if (queue.size === 0) {
          reason = 'idle';
          if (until_ms !== Infinity) this.current_ms = Math.max(this.current_ms, until_ms);
          break;
        }
        if (queue.peek_time_ms() > until_ms) {
          reason = 'until_ms';
          this.current_ms = Math.max(this.current_ms, until_ms);
          break;
        }
        queue.pop();
        events++;
        this.dispatch_popped();
      }
    } catch (error) {
      this.note_violation(error);
      throw error;
    }
    return { reason, events, now_ms: this.current_ms };
  }

  private note_violation(error: unknown): void {
    if (error instanceof InvariantViolation && !error.traced) {
      error.traced = true;
      this.trace.record(this.current_ms, 'violation', undefined, {
        property: 'engine_invariants',
        message: error.message,
        seed: this.seed,
        detail: error.detail,
      });
    }
  }

  private dispatch_popped(): void {
    const queue = this.queue;
    const time_ms = queue.popped_time_ms;
    if (!(time_ms >= this.current_ms)) {
      throw new InvariantViolation(`virtual time went backwards: event at ${time_ms} ms after ${this.current_ms} ms`);
    }
    this.current_ms = time_ms;
    this.events_total++;
    const a = queue.popped_a;
    const b = queue.popped_b;
    const c = queue.popped_c;
    const ref = queue.popped_ref;
    switch (queue.popped_kind) {
      case event_deliver: {
        const link = this.links[a] as Link;
        if (b !== link.epoch) {
          this.trace_drop(link, c, ref, 'link_break');
          return;
        }
        link.in_flight--;
        const receiver = this.slots[link.to_index] as ProcessSlot;
        if (!receiver.alive) {
          this.trace_drop(link, c, ref, 'dead');
          return;
        }
        if (link.cut) {
          this.trace_drop(link, c, ref, 'partition');
          return;
        }
        if (receiver.paused) {
          this.hold(receiver, event_deliver, a, b, c, ref);
          return;
        }
        this.deliver(link, receiver, c, ref);
        return;
      }
      case event_timer: {
        const slot = this.slots[a] as ProcessSlot;
        if (slot.life !== b) return;
        if (slot.paused) {
          if (slot.pending_timers.has(c)) this.hold(slot, event_timer, a, b, c, ref);
          return;
        }
        this.fire_timer_if_pending(slot, c, ref);
        return;
      }
      case event_callback:
        (ref as () => void)();
        return;
      case event_storage: {
        const pending = ref as PendingStorage;
        const completed = pending.store.complete(pending.planned, this.storage_rng, time_ms);
        const slot = this.slots[a] as ProcessSlot;
        const fields: Record<string, unknown> = {
          store: pending.store.name,
          op: pending.planned.op,
          key: pending.planned.key,
          ok: completed.result.ok,
          size_bytes: completed.size_bytes,
        };
        if (!completed.result.ok) fields.error = completed.result.error;
        if (pending.planned.faults.length > 0) fields.faults = pending.planned.faults;
        if (completed.detail !== undefined) fields.detail = completed.detail;
        if (slot.life !== b) fields.caller_gone = true;
        this.trace.record(time_ms, 'storage', slot.id, fields);
        if (slot.life !== b) {
          // A write still in flight when its process crashed lands (or not) like any write it had not synced.
          if (pending.planned.op === 'put' && completed.result.ok) {
            const resolved = pending.store.resolve_orphan(pending.planned.key, slot.unsynced_fate ?? this.unsynced_outcome(), this.unsynced_rng);
            if (resolved !== undefined) this.trace_unsynced(slot.id, pending.store, resolved);
          }
          return;
        }
        if (slot.paused) {
          this.hold(slot, event_storage, a, b, c, { pending, result: completed.result });
          return;
        }
        pending.done(completed.result as StorageResult<never>);
        return;
      }
      case event_start: {
        const slot = this.slots[a] as ProcessSlot;
        if (slot.start_token !== c || slot.alive) return;
        this.start_now(slot);
        return;
      }
      case event_resume: {
        const slot = this.slots[a] as ProcessSlot;
        if (slot.life === b && slot.paused && slot.resume_token === c) this.resume_slot(slot);
        return;
      }
      case event_refused: {
        const slot = this.slots[a] as ProcessSlot;
        if (slot.life !== b) return; // the sender crashed meanwhile: nobody is left to tell
        if (slot.paused) {
          this.hold(slot, event_refused, a, b, c, ref);
          return;
        }
        this.tell_refused(slot, ref as Refusal);
        return;
      }
      default:
        throw new InvariantViolation(`unknown event kind ${queue.popped_kind}`);
    }
  }

  private deliver(link: Link, receiver: ProcessSlot, message_id: number, message: unknown): void {
    this.trace.message(
      'deliver',
      this.current_ms,
      link.from_id,
      link.from_hash,
      link.to_id,
      link.to_hash,
      message_id,
      message_type(message),
      message_size_bytes(message),
      undefined,
      link.type_cache,
    );
    (receiver.process as SimProcess).onMessage(link.from_id, message);
  }

  private tell_refused(sender: ProcessSlot, refusal: Refusal): void {
    this.trace.record(this.current_ms, 'refused', sender.id, { to: refusal.to_id, id: refusal.message_id, type: message_type(refusal.message) ?? null });
    (sender.process as SimProcess).onSendRefused?.(refusal.to_id, refusal.message);
  }

  /** Fires the timer unless it was cancelled: one set operation both checks and clears its pending mark. */
  private fire_timer_if_pending(slot: ProcessSlot, handle: number, tag: unknown): void {
    if (!slot.pending_timers.delete(handle)) return;
    this.trace.timer(this.current_ms, slot.id, slot.id_hash, handle, tag, slot.timer_tag_cache);
    (slot.process as SimProcess).onTimer(tag);
  }

  private trace_drop(link: Link, message_id: number, message: unknown, reason: string): void {
    this.trace.message(
      'drop',
      this.current_ms,
      link.from_id,
      link.from_hash,
      link.to_id,
      link.to_hash,
      message_id,
      message_type(message),
      message_size_bytes(message),
      reason,
      link.type_cache,
    );
  }

  private hold(slot: ProcessSlot, kind: number, a: number, b: number, c: number, ref: unknown): void {
    if (slot.held.length >= this.max_held_events_per_process) {
      throw new InvariantViolation(
        `paused process ${slot.id} holds too many events: max_held_events_per_process=${this.max_held_events_per_process}`,
        { process: slot.id },
      );
    }
    slot.held.push({ kind, a, b, c, ref });
  }

  // ------------------------------------------------------------------ processes

  /** Hosts a process; its first start (incarnation 0) runs as an event after start_after_ms (default 0). */
  add_process(id: ProcessId, factory: ProcessFactory, options: AddProcessOptions = {}): void {
    if (this.slot_by_id.has(id)) throw new Error(`World.add_process: duplicate process id ${id}`);
    if (this.slots.length >= this.max_processes) {
      throw new InvariantViolation(`too many processes: max_processes=${this.max_processes}`, { process: id });
    }
    const disk = new SimStore(disk_store_name(id), { ...this.disk_defaults, ...options.disk });
    const slot = new ProcessSlot(this.slots.length, id, this.trace.intern(id), factory, disk);
    this.slots.push(slot);
    this.slot_by_id.set(id, slot);
    this.schedule_start(slot, options.start_after_ms ?? 0);
  }

  /** Ids of hosted processes, in the order they were added. */
  process_ids(): ProcessId[] {
    return this.slots.map((slot) => slot.id);
  }

  /** How many processes are hosted (alive or not); it only grows. */
  get process_count(): number {
    return this.slots.length;
  }

  /** True if a process with this id is hosted (alive or not). */
  has_process(id: ProcessId): boolean {
    return this.slot_by_id.has(id);
  }

  is_alive(id: ProcessId): boolean {
    return this.slot(id).alive;
  }

  is_paused(id: ProcessId): boolean {
    return this.slot(id).paused;
  }

  /** -1 before the first start. */
  incarnation(id: ProcessId): number {
    return this.slot(id).incarnation;
  }

  /** The live process object (for drivers and tests that inspect it), or undefined when down. */
  process_object(id: ProcessId): SimProcess | undefined {
    return this.slot(id).process;
  }

  /** Reads process_object(id) on every call without looking the id up again (for drivers that ask per event). */
  process_object_reader(id: ProcessId): () => SimProcess | undefined {
    const slot = this.slot(id);
    return () => slot.process;
  }

  /**
   * Crash: the process object is discarded (volatile state gone), its timers, held events and pending storage
   * callbacks are dropped (writes already issued still complete on the device), in-flight messages to and from it
   * are dropped (traced as reason link_break). Peers are not told: like Flink, they notice through heartbeats.
   * Returns false if it was not alive (a crash of a dead process changes nothing, a pending restart stays).
   */
  crash(id: ProcessId, options: { unsynced?: UnsyncedOutcome } = {}): boolean {
    const slot = this.slot(id);
    if (!slot.alive) return false;
    slot.alive = false;
    slot.life++;
    slot.process = undefined;
    slot.paused = false;
    slot.pending_timers.clear();
    this.trace.record(this.current_ms, 'crash', id, { incarnation: slot.incarnation });
    // What it wrote and had not synced, on its disk and on the shared checkpoint store, is dropped, torn or kept.
    slot.unsynced_fate = options.unsynced;
    const choose = (): UnsyncedOutcome => options.unsynced ?? this.unsynced_outcome();
    for (const store of [slot.disk, this.checkpoint_store]) {
      for (const resolved of store.crash_writer(slot.index, this.current_ms, choose, this.unsynced_rng)) this.trace_unsynced(id, store, resolved);
    }
    // Messages a paused process had received but not handled die with it: every send ends as deliver or drop.
    for (const event of slot.held) {
      if (event.kind === event_deliver) this.trace_drop(this.links[event.a] as Link, event.c, event.ref, 'dead');
    }
    slot.held.length = 0;
    for (const link of slot.out_links) if (link !== undefined) reset_link(link);
    for (const link of slot.in_links) reset_link(link);
    return true;
  }

  /** A random fate for an unsynced write at a crash: dropped, torn or kept, equally likely. */
  private unsynced_outcome(): UnsyncedOutcome {
    return unsynced_outcomes[this.unsynced_rng.int_inclusive(0, unsynced_outcomes.length - 1)] as UnsyncedOutcome;
  }

  private trace_unsynced(id: ProcessId, store: SimStore, resolved: CrashResolution): void {
    this.trace.record(this.current_ms, 'storage', id, {
      store: store.name,
      op: 'crash',
      key: resolved.key,
      ok: true,
      size_bytes: resolved.size_bytes,
      detail: `unsynced_${resolved.outcome} kept_bytes=${resolved.kept_bytes}`,
    });
  }

  /**
   * Starts a new incarnation after after_ms (default 0) from the factory; it sees only its disk. A live process is
   * crashed first. A later restart() replaces a pending one.
   */
  restart(id: ProcessId, after_ms = 0): void {
    const slot = this.slot(id);
    if (slot.alive) this.crash(id);
    this.schedule_start(slot, after_ms);
  }

  private schedule_start(slot: ProcessSlot, after_ms: number): void {
    if (!(after_ms >= 0)) throw new Error(`start delay must be >= 0, got ${after_ms}`);
    slot.start_token++;
    this.queue.push(this.current_ms + after_ms, event_start, slot.index, 0, slot.start_token, undefined);
  }

  private start_now(slot: ProcessSlot): void {
    slot.incarnation++;
    slot.life++;
    slot.alive = true;
    const rng = this.root_rng.fork(`process/${slot.id}/${slot.incarnation}`);
    const context = new HostedContext(this, slot, slot.life, rng);
    this.trace.record(this.current_ms, 'start', slot.id, { incarnation: slot.incarnation });
    const process = slot.factory(context);
    slot.process = process;
    process.onStart();
  }

  /**
   * A long GC: no handler of the process runs; messages, timers and storage callbacks for it are held and delivered
   * in their original order when it resumes (after duration_ms, or resume()). Pausing a paused process extends it.
   */
  pause(id: ProcessId, duration_ms: number): boolean {
    const slot = this.slot(id);
    if (!slot.alive || !(duration_ms >= 0)) return false;
    const resume_at_ms = Math.max(this.current_ms + duration_ms, slot.paused ? slot.resume_at_ms : 0);
    slot.paused = true;
    slot.resume_at_ms = resume_at_ms;
    slot.resume_token++;
    this.trace.record(this.current_ms, 'pause', id, { duration_ms, resume_at_ms });
    this.queue.push(resume_at_ms, event_resume, slot.index, slot.life, slot.resume_token, undefined);
    return true;
  }

  resume(id: ProcessId): boolean {
    const slot = this.slot(id);
    if (!slot.alive || !slot.paused) return false;
    this.resume_slot(slot);
    return true;
  }

  private resume_slot(slot: ProcessSlot): void {
    slot.paused = false;
    slot.resume_token++;
    this.trace.record(this.current_ms, 'resume', slot.id, { held_events: slot.held.length });
    const life = slot.life;
    const held = slot.held.splice(0, slot.held.length);
    for (const event of held) {
      if (slot.life !== life || slot.paused) {
        // Cannot happen from handlers (they cannot crash or pause), but keep the order honest if a driver does.
        if (slot.life === life) slot.held.push(event);
        continue;
      }
      if (event.kind === event_deliver) {
        // Held in the receiver's buffers: a reset or a partition since then still takes it (so a delivery never
        // happens across an active partition, and a broken link delivers nothing sent before the break).
        const link = this.links[event.a] as Link;
        if (event.b !== link.epoch) this.trace_drop(link, event.c, event.ref, 'link_break');
        else if (link.cut) this.trace_drop(link, event.c, event.ref, 'partition');
        else this.deliver(link, slot, event.c, event.ref);
      } else if (event.kind === event_timer) {
        this.fire_timer_if_pending(slot, event.c, event.ref);
      } else if (event.kind === event_refused) {
        this.tell_refused(slot, event.ref as Refusal);
      } else {
        const { pending, result } = event.ref as { pending: PendingStorage; result: StorageResult<never> };
        pending.done(result);
      }
    }
  }

  // ------------------------------------------------------------------ clocks

  /** The process's clock reading now. */
  process_now_ms(id: ProcessId): number {
    return this.local_now_ms(this.slot(id));
  }

  /** @internal */
  local_now_of(slot: ProcessSlot): number {
    return this.local_now_ms(slot);
  }

  private local_now_ms(slot: ProcessSlot): number {
    return slot.clock_base_local_ms + (this.current_ms - slot.clock_base_virtual_ms) * slot.clock_rate;
  }

  /**
   * The process's monotonic clock (System.nanoTime, CLOCK_MONOTONIC): it runs at the process clock's rate (drift
   * applies) but an offset never moves it, so durations measured on it never go backwards. It keeps counting across
   * restarts of the process (the machine's clock, not the process's).
   */
  process_monotonic_ms(id: ProcessId): number {
    return this.monotonic_now_ms(this.slot(id));
  }

  /** @internal */
  monotonic_now_of(slot: ProcessSlot): number {
    return this.monotonic_now_ms(slot);
  }

  private monotonic_now_ms(slot: ProcessSlot): number {
    return slot.clock_base_monotonic_ms + (this.current_ms - slot.clock_base_virtual_ms) * slot.clock_rate;
  }

  /**
   * From now on the process clock reads virtual time + offset_ms (then keeps drifting at its rate). Pending timers
   * are not moved: timers measure durations (a monotonic clock), only now_ms() jumps.
   */
  set_clock_offset(id: ProcessId, offset_ms: number): void {
    const slot = this.slot(id);
    slot.clock_base_monotonic_ms = this.monotonic_now_ms(slot);
    slot.clock_base_virtual_ms = this.current_ms;
    slot.clock_base_local_ms = this.current_ms + offset_ms;
    this.trace_clock(slot);
  }

  /**
   * The process clock runs at (1 + drift_ppm / 1e6) times virtual speed from now on (continuous, no jump).
   * Timers set later take after_ms / rate of virtual time; pending timers keep their virtual deadline.
   */
  set_clock_drift(id: ProcessId, drift_ppm: number): void {
    const slot = this.slot(id);
    const rate = 1 + drift_ppm / 1e6;
    if (!(rate > 0)) throw new Error(`clock drift ${drift_ppm} ppm would stop or reverse the clock`);
    slot.clock_base_local_ms = this.local_now_ms(slot);
    slot.clock_base_monotonic_ms = this.monotonic_now_ms(slot);
    slot.clock_base_virtual_ms = this.current_ms;
    slot.clock_rate = rate;
    slot.drift_ppm = drift_ppm;
    this.trace_clock(slot);
  }

  private trace_clock(slot: ProcessSlot): void {
    this.trace.record(this.current_ms, 'clock', slot.id, {
      offset_ms: this.local_now_ms(slot) - this.current_ms,
      drift_ppm: slot.drift_ppm,
    });
  }

  // ------------------------------------------------------------------ network

  /** Latency model for the directed link from → to (undefined: back to the default). */
  set_link_latency(from: ProcessId, to: ProcessId, model: LatencyModel | undefined): void {
    if (model !== undefined) validate_latency_model(model);
    this.link_between(this.slot(from), this.slot(to)).latency = model;
  }

  set_default_latency(model: LatencyModel): void {
    validate_latency_model(model);
    this.default_latency = model;
  }

  /** Cuts every link to and from `node`. Returns the rule id (for remove_partition). */
  partition_isolate(node: ProcessId, duration_ms?: number): number {
    return this.add_partition({ id: this.rules.new_rule_id(), kind: 'isolate', node }, duration_ms);
  }

  /** Nodes in different groups cannot talk; nodes in no group are unaffected. */
  partition_split(groups: ProcessId[][], duration_ms?: number): number {
    const copy = groups.map((group) => group.slice());
    return this.add_partition({ id: this.rules.new_rule_id(), kind: 'split', groups: copy }, duration_ms);
  }

  /** Cuts from → to only; to → from still works. */
  partition_one_way(from: ProcessId, to: ProcessId, duration_ms?: number): number {
    return this.add_partition({ id: this.rules.new_rule_id(), kind: 'one_way', from, to }, duration_ms);
  }

  private add_partition(rule: PartitionRule, duration_ms: number | undefined): number {
    this.rules.partitions.push(rule);
    this.rules.refresh(this.links);
    const { id: _id, ...shape } = rule;
    this.trace.record(this.current_ms, 'partition', undefined, { rule_id: rule.id, ...shape, duration_ms: duration_ms ?? null });
    if (duration_ms !== undefined) this.after(duration_ms, () => this.remove_partition(rule.id));
    return rule.id;
  }

  /** Ends one partition rule (others stay). */
  remove_partition(rule_id: number): boolean {
    const index = this.rules.partitions.findIndex((rule) => rule.id === rule_id);
    if (index === -1) return false;
    this.rules.partitions.splice(index, 1);
    this.rules.refresh(this.links);
    this.trace.record(this.current_ms, 'heal', undefined, { rule_id });
    return true;
  }

  /** Ends every partition. */
  heal(): void {
    this.rules.partitions.length = 0;
    this.rules.refresh(this.links);
    this.trace.record(this.current_ms, 'heal', undefined, { rule_id: null });
  }

  /** True if an active partition cuts from → to. */
  is_cut(from: ProcessId, to: ProcessId): boolean {
    return this.rules.is_cut(from, to);
  }

  /**
   * Like a TCP reset: drops everything in flight both ways (traced as drops with reason link_break when their
   * delivery time comes) and calls onLinkBroken on both live ends. A paused end is not told.
   */
  break_link(a: ProcessId, b: ProcessId): void {
    const slot_a = this.slot(a);
    const slot_b = this.slot(b);
    reset_link(this.link_between(slot_a, slot_b));
    reset_link(this.link_between(slot_b, slot_a));
    this.trace.record(this.current_ms, 'link_break', undefined, { a, b });
    if (slot_a.alive && !slot_a.paused) slot_a.process?.onLinkBroken?.(b);
    if (slot_b.alive && !slot_b.paused) slot_b.process?.onLinkBroken?.(a);
  }

  /** Adds extra_ms to links (all; those touching a; or a↔b) for duration_ms. Returns the rule id. */
  latency_spike(extra_ms: number, duration_ms: number, a?: ProcessId, b?: ProcessId): number {
    const id = this.rules.new_rule_id();
    const rule: { id: number; extra_ms: number; a?: string; b?: string } = { id, extra_ms };
    if (a !== undefined) rule.a = a;
    if (b !== undefined) rule.b = b;
    this.rules.spikes.push(rule);
    this.rules.refresh(this.links);
    this.after(duration_ms, () => {
      const index = this.rules.spikes.findIndex((spike) => spike.id === id);
      if (index !== -1) this.rules.spikes.splice(index, 1);
      this.rules.refresh(this.links);
    });
    return id;
  }

  /** Messages in flight on from → to (current epoch). */
  in_flight(from: ProcessId, to: ProcessId): number {
    return this.link_between(this.slot(from), this.slot(to)).in_flight;
  }

  private link_between(from: ProcessSlot, to: ProcessSlot): Link {
    let link = from.out_links[to.index];
    if (link === undefined) {
      link = new Link(this.links.length, from.index, to.index, from.id, to.id, from.id_hash, to.id_hash);
      link.cut = this.rules.is_cut(from.id, to.id);
      link.extra_latency_ms = this.rules.extra_latency_ms(from.id, to.id);
      this.links.push(link);
      // Keep the array dense (no holes) so lookups stay on the fast path.
      while (from.out_links.length <= to.index) from.out_links.push(undefined);
      from.out_links[to.index] = link;
      to.in_links.push(link);
    }
    return link;
  }

  /** The hot path of a send (called by a process context). */
  /** @internal Called by a process context. */
  send_from(sender: ProcessSlot, sender_life: number, to: ProcessId, message: unknown): void {
    if (sender.life !== sender_life || !sender.alive) {
      throw new InvariantViolation(`process ${sender.id} used a context of a crashed incarnation to send`);
    }
    // One-entry cache: processes tend to send to the same peer many times in a row.
    let receiver: ProcessSlot | undefined;
    if (to === sender.last_to_id) {
      receiver = sender.last_to_slot;
    } else {
      receiver = this.slot_by_id.get(to);
      if (receiver !== undefined) {
        sender.last_to_id = to;
        sender.last_to_slot = receiver;
      }
    }
    const message_id = this.next_message_id++;
    const type = message_type(message);
    const size_bytes = message_size_bytes(message);
    if (receiver === undefined) {
      this.trace.message('drop', this.current_ms, sender.id, sender.id_hash, to, this.trace.intern(to), message_id, type, size_bytes, 'unknown');
      return;
    }
    const link = sender.out_links[receiver.index] ?? this.link_between(sender, receiver);
    const trace = this.trace;
    trace.message('send', this.current_ms, link.from_id, link.from_hash, link.to_id, link.to_hash, message_id, type, size_bytes, undefined, link.type_cache);
    let reason: string | undefined;
    if (link.cut) reason = 'partition';
    else if (!receiver.alive) reason = 'dead';
    else if (link.in_flight >= this.max_in_flight_per_link) reason = 'overflow';
    if (reason !== undefined) {
      trace.message('drop', this.current_ms, link.from_id, link.from_hash, link.to_id, link.to_hash, message_id, type, size_bytes, reason, link.type_cache);
      if (reason === 'dead') this.refuse(sender, link, message_id, message);
      return;
    }
    const model = link.latency ?? this.default_latency;
    const latency_ms = model.kind === 'fixed' ? model.delay_ms : sample_latency_ms(model, this.network_rng);
    let deliver_at_ms = this.current_ms + latency_ms + link.extra_latency_ms;
    if (deliver_at_ms < link.last_delivery_ms) deliver_at_ms = link.last_delivery_ms;
    // Shuffled ties would reorder equal-time messages of one link: keep the link FIFO by strict order in time.
    if (this.shuffle_ties && deliver_at_ms <= link.last_delivery_ms && link.in_flight > 0) deliver_at_ms = link.last_delivery_ms + LINK_FIFO_GAP_MS;
    link.last_delivery_ms = deliver_at_ms;
    link.in_flight++;
    this.queue.push(deliver_at_ms, event_deliver, link.index, link.epoch, message_id, message);
  }

  /**
   * The receiver's host is up but its process is down: the connection is refused (a TCP reset, an RPC system's
   * "recipient unreachable"), and the sender learns it one round trip later through onSendRefused. A partition,
   * a paused receiver or a message lost in flight refuses nothing: those senders learn only from silence.
   */
  private refuse(sender: ProcessSlot, link: Link, message_id: number, message: unknown): void {
    const model = link.latency ?? this.default_latency;
    const one_way_ms = model.kind === 'fixed' ? model.delay_ms : sample_latency_ms(model, this.refusal_rng);
    const refusal: Refusal = { to_id: link.to_id, message_id, message };
    this.queue.push(this.current_ms + 2 * (one_way_ms + link.extra_latency_ms), event_refused, sender.index, sender.life, message_id, refusal);
  }

  /** @internal Called by a process context. */
  set_timer_for(slot: ProcessSlot, life: number, after_ms: number, tag: unknown): TimerHandle {
    if (slot.life !== life || !slot.alive) {
      throw new InvariantViolation(`process ${slot.id} used a context of a crashed incarnation to set a timer`);
    }
    if (!(after_ms >= 0 && after_ms < Infinity)) {
      throw new InvariantViolation(`process ${slot.id}: setTimer after_ms must be finite and >= 0, got ${after_ms}`);
    }
    const handle = this.next_timer_handle++;
    slot.pending_timers.add(handle);
    this.queue.push(this.current_ms + after_ms / slot.clock_rate, event_timer, slot.index, life, handle, tag);
    return handle;
  }

  /** @internal Called by a process context. */
  cancel_timer_for(slot: ProcessSlot, handle: TimerHandle): void {
    slot.pending_timers.delete(handle);
  }

  // ------------------------------------------------------------------ storage

  /** 'checkpoint' or 'disk/<process id>'. */
  store(name: string): SimStore {
    if (name === checkpoint_store_name) return this.checkpoint_store;
    if (name.startsWith('disk/')) {
      const slot = this.slot_by_id.get(name.slice('disk/'.length));
      if (slot !== undefined) return slot.disk;
    }
    throw new Error(`no store named ${name}`);
  }

  /** Names of every store, sorted: 'checkpoint' and each process's disk. */
  store_names(): string[] {
    return [checkpoint_store_name, ...this.slots.map((slot) => slot.disk.name)].sort();
  }

  /**
   * Turns a storage fault on for a store (name or '*' for all) and keys under key_prefix, for duration_ms
   * (default: until cleared) and/or `count` operations (default unlimited).
   */
  storage_fault(
    store_name: string,
    kind: StorageFaultKind,
    options: { key_prefix?: string; duration_ms?: number; count?: number; extra_latency_ms?: number } = {},
  ): void {
    const stores = store_name === '*' ? this.store_names().map((name) => this.store(name)) : [this.store(store_name)];
    const until_ms = options.duration_ms === undefined ? Infinity : this.current_ms + options.duration_ms;
    for (const store of stores) {
      store.add_fault(kind, options.key_prefix ?? '', until_ms, options.count ?? Infinity, options.extra_latency_ms ?? 0);
    }
  }

  /** Deletes one stored object under key_prefix (picked by the storage stream). Returns its key, if any. */
  remove_random_object(store_name: string, key_prefix: string): string | undefined {
    return this.store(store_name).remove_random_object(key_prefix, this.storage_rng);
  }

  /** @internal Called by a process context. */
  storage_op(
    slot: ProcessSlot,
    life: number,
    store: SimStore,
    op: 'put' | 'get' | 'list' | 'delete' | 'sync',
    key: string,
    bytes: Uint8Array | undefined,
    done: (result: StorageResult<never>) => void,
  ): void {
    if (slot.life !== life || !slot.alive) {
      throw new InvariantViolation(`process ${slot.id} used a context of a crashed incarnation for storage`);
    }
    const planned = store.plan(op, key, bytes, this.current_ms, this.storage_rng, slot.index);
    const pending: PendingStorage = { store, planned, done };
    this.queue.push(planned.complete_at_ms, event_storage, slot.index, life, 0, pending);
  }

  // ------------------------------------------------------------------ faults, switch-off, trace, summary

  /** Records an injected fault (trace 'fault' record and summary counts). Called by apply_fault. */
  note_fault(kind: string, target: string, detail?: string): void {
    this.fault_counts.set(kind, (this.fault_counts.get(kind) ?? 0) + 1);
    const note: FaultNote = { time_ms: this.current_ms, kind, target };
    if (detail !== undefined) note.detail = detail;
    if (this.fault_notes.length < this.max_fault_notes) this.fault_notes.push(note);
    const fields: Record<string, unknown> = { fault: kind, target };
    if (detail !== undefined) fields.detail = detail;
    this.trace.record(this.current_ms, 'fault', undefined, fields);
  }

  /** Faults injected so far (the first 10,000), in order. */
  faults(): readonly FaultNote[] {
    return this.fault_notes;
  }

  /**
   * Switches every active fault off for a liveness phase: heals partitions, ends latency spikes, clears storage
   * faults, resumes paused processes. Dead processes stay dead (the caller restarts them); clocks keep their
   * offset/drift; plan entries not yet fired still fire unless their FaultPlanHandle is cancelled.
   */
  clear_faults(): void {
    this.heal();
    this.rules.spikes.length = 0;
    this.rules.refresh(this.links);
    for (const name of this.store_names()) this.store(name).clear_faults();
    for (const slot of this.slots) if (slot.paused) this.resume_slot(slot);
  }

  /** Ids of processes that are down (crashed, not yet restarted). */
  dead_processes(): ProcessId[] {
    return this.slots.filter((slot) => !slot.alive).map((slot) => slot.id);
  }

  /** Traces a run phase (safety | liveness | unrestricted). */
  phase(name: string): void {
    this.trace.record(this.current_ms, 'phase', undefined, { phase: name });
  }

  /** A driver-level log record (the runner's own events). */
  log(event: string, fields?: Record<string, unknown>, node?: ProcessId): void {
    this.trace.record(this.current_ms, 'log', node, fields === undefined ? { event } : { event, fields });
  }

  /** Records a violation with the seed and throws InvariantViolation. */
  fail_invariant(message: string, detail: Record<string, unknown> = {}, node?: ProcessId, property = 'engine_invariants'): never {
    const error = new InvariantViolation(message, node === undefined ? detail : { ...detail, node });
    error.traced = true;
    this.trace.record(this.current_ms, 'violation', node, { property, message, seed: this.seed, detail });
    throw error;
  }

  /**
   * A property found violated by a check watching the run (not by the code under test): a 'violation' record at the
   * current virtual time, outside the trace hash (Trace.annotate), so judging a run never changes its hash.
   */
  record_violation(property: string, message: string, fields: Record<string, unknown> = {}): void {
    this.trace.annotate(this.current_ms, 'violation', undefined, { property, message, source: 'check', seed: this.seed, ...fields });
  }

    probe(name: string, node?: ProcessId): void {
    this.probe_hits.set(name, (this.probe_hits.get(name) ?? 0) + 1);
    this.trace.record(this.current_ms, 'probe', node, { name });
  }

  /** Coverage probe hits by name, sorted by name. */
  probe_counts(): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const name of [...this.probe_hits.keys()].sort()) counts[name] = this.probe_hits.get(name) as number;
    return counts;
  }

  summary(): WorldSummary {
    const faults_by_kind: Record<string, number> = {};
    for (const kind of [...this.fault_counts.keys()].sort()) faults_by_kind[kind] = this.fault_counts.get(kind) as number;
    return {
      seed: this.seed,
      trace_hash: this.final_hash ?? this.trace.hash_hex(),
      events: this.events_total,
      virtual_time_ms: this.current_ms,
      trace_records: this.trace.count,
      faults_by_kind,
      probes: this.probe_counts(),
    };
  }

  /**
   * Writes the final 'end' record (hash of every record before it, events); idempotent. Returns the summary, whose
   * trace_hash is that same hash, so a trace file's last line names the run it came from.
   */
  finish(): WorldSummary {
    if (this.final_hash === undefined) {
      this.final_hash = this.trace.hash_hex();
      this.trace.record(this.current_ms, 'end', undefined, { hash: this.final_hash, events: this.events_total });
    }
    return this.summary();
  }

  private slot(id: ProcessId): ProcessSlot {
    const slot = this.slot_by_id.get(id);
    if (slot === undefined) throw new Error(`no process ${id}`);
    return slot;
  }
}

function reset_link(link: Link): void {
  link.epoch++;
  link.in_flight = 0;
  link.last_delivery_ms = 0;
}

function message_type(message: unknown): string | undefined {
  if (typeof message === 'object' && message !== null) {
    const type = (message as { type?: unknown }).type;
    return typeof type === 'string' ? type : undefined;
  }
  return typeof message === 'string' ? message : undefined;
}

function message_size_bytes(message: unknown): number | undefined {
  if (typeof message === 'object' && message !== null) {
    const size_bytes = (message as { size_bytes?: unknown }).size_bytes;
    if (typeof size_bytes === 'number') return size_bytes;
    // Only bare byte arrays pay for the prototype check (typed messages have a `type` field).
    if ((message as { type?: unknown }).type === undefined && message instanceof Uint8Array) return message.length;
  }
  return undefined;
}

/** What one incarnation of a process sees. Stale once the incarnation crashes. */
class HostedContext implements ProcessContext {
  readonly process_id: ProcessId;
  readonly incarnation: number;
  readonly disk: SimBlobStore;
  readonly checkpoint_store: SimBlobStore;
  constructor(
    private readonly world: World,
    private readonly slot: ProcessSlot,
    readonly life: number,
    readonly rng: Rng,
  ) {
    this.process_id = slot.id;
    this.incarnation = slot.incarnation;
    this.disk = new StoreHandle(world, slot, life, slot.disk);
    this.checkpoint_store = new StoreHandle(world, slot, life, world.checkpoint_store);
  }
  now_ms(): number {
    return this.world.local_now_of(this.slot);
  }
  monotonic_ms(): number {
    return this.world.monotonic_now_of(this.slot);
  }
  send(to: ProcessId, message: unknown): void {
    this.world.send_from(this.slot, this.life, to, message);
  }
  setTimer(after_ms: number, tag: unknown): TimerHandle {
    return this.world.set_timer_for(this.slot, this.life, after_ms, tag);
  }
  cancelTimer(handle: TimerHandle): void {
    if (this.slot.life === this.life) this.world.cancel_timer_for(this.slot, handle);
  }
  log(event: string, fields?: Record<string, unknown>): void {
    this.world.log(event, fields, this.slot.id);
  }
  probe(name: string): void {
    this.world.probe(name, this.slot.id);
  }
  fail_invariant(message: string, detail?: Record<string, unknown>): never {
    return this.world.fail_invariant(message, detail ?? {}, this.slot.id);
  }
}

/** A process's handle on one store: operations are stamped with the caller's life so a crash drops callbacks. */
class StoreHandle implements SimBlobStore {
  constructor(
    private readonly world: World,
    private readonly slot: ProcessSlot,
    private readonly life: number,
    private readonly store: SimStore,
  ) {}
  put(key: string, bytes: Uint8Array, done: (result: StorageResult<void>) => void): void {
    this.world.storage_op(this.slot, this.life, this.store, 'put', key, bytes, done);
  }
  get(key: string, done: (result: StorageResult<Uint8Array>) => void): void {
    this.world.storage_op(this.slot, this.life, this.store, 'get', key, undefined, done);
  }
  list(prefix: string, done: (result: StorageResult<string[]>) => void): void {
    this.world.storage_op(this.slot, this.life, this.store, 'list', prefix, undefined, done);
  }
  delete(key: string, done: (result: StorageResult<void>) => void): void {
    this.world.storage_op(this.slot, this.life, this.store, 'delete', key, undefined, done);
  }
  sync(key: string, done: (result: StorageResult<void>) => void): void {
    this.world.storage_op(this.slot, this.life, this.store, 'sync', key, undefined, done);
  }
}
