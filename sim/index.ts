// The public surface of the simulated world. Everything a scenario runner, a test or a benchmark needs comes from
// here: World (processes, network, storage, clocks, faults, trace), Rng, fault plans, the nemesis and the trace.
//
// Typical use:
//   const world = new World({ seed, trace: { lines: write } });
//   world.add_process('jm', (context) => new JobManagerHost(context));
//   apply_fault_plan(world, plan);                       // or generate_nemesis_plan(world.random('faults'), …)
//   world.after(1000, () => world.crash('tm-1'));
//   const outcome = world.run({ until_ms: 60_000 });     // throws InvariantViolation when an invariant fails
//   const summary = world.finish();                      // { seed, trace_hash, events, virtual_time_ms, … }
//
// Semantics worth knowing (details beside each method in world.ts):
// - Time: virtual milliseconds (fractional allowed; sampled latencies are rounded to microseconds). Equal-time
//   events run in scheduling order. A process reads its own clock (offset + drift over virtual time); setTimer
//   durations are measured on that clock's rate, and an offset jump does not move pending timers (monotonic timers).
// - Crash: the process object is discarded; its timers, held events and storage callbacks are dropped; in-flight
//   messages to/from it are dropped (reason link_break); peers are not told (they must notice by heartbeats).
//   Storage writes already issued still complete on the device. restart() builds a new incarnation (+1) that sees
//   only its disk and gets the stream "process/<id>/<incarnation>". A 'restart' fault entry only revives a downed
//   process.
// - Pause (long GC): messages, timers and storage callbacks for the process are held and delivered in their
//   original order at resume (held messages whose link broke or is cut by then are dropped); a paused end of a
//   broken link is not told.
// - Network: FIFO per directed link; a message is dropped (and traced with its reason) when the link is cut by a
//   partition at send or at delivery time, when the receiver is dead, when the link broke meanwhile, or when the
//   link already has max_in_flight_per_link messages in flight ('overflow': the network is lossy, not a queue).
//   A message to a process that is down (crashed, not yet restarted) is refused: its host resets the connection,
//   and the sender's onSendRefused(to, message) runs one round trip later (a 'refused' trace record; the round trip
//   comes from the stream "network/refusals"). Partitions, paused receivers and messages in flight at a crash refuse
//   nothing; a sender that crashed meanwhile is not told, a paused one is told at its resume.
// - Storage: completion is FIFO per store; faults are decided when an operation is issued and applied at its
//   completion; the store returns damaged bytes as they are (readers verify checksums); capacity overflow → no_space
//   (ENOSPC). Durability: a completed put is visible at once but durable only after a sync (fsync; an upload's
//   completion) or after the store's writeback delay (30 s, as a page cache writes dirty pages back); deletes are
//   durable at once. A crash of the writing process drops (the last durable value returns), tears (a strict prefix
//   survives) or keeps each of its unsynced writes on its disk and on the checkpoint store, each at random from the
//   stream "storage/unsynced" unless the crash names one fate (crash(id, { unsynced })); a write still in flight at
//   the crash lands and then meets the same fate; writes of other processes are untouched. Fault kinds: disk_full
//   (puts fail with no_space), io_error (also fails syncs; the write stays unsynced), slow_sync (syncs only),
//   besides bit flips, torn and lost writes, missing objects, slow I/O and unavailability. The unsynced writes a
//   store tracks are bounded (MAX_UNSYNCED_WRITES: beyond it the oldest is written back).
// - Randomness: streams `${seed}/${name}`: "network", "network/refusals", "storage", "storage/unsynced" (the world's), "faults", "workload" (drivers, via
//   world.random(name)), "process/<id>/<incarnation>" (context.rng), "nemesis/<kind>" (forked from the faults stream).
// - Bounds: max_queued_events, max_in_flight_per_link, max_processes, max_held_events_per_process, store capacity,
//   trace memory sink max_records; exceeding an invariant bound throws InvariantViolation naming it.
export {
  World,
  InvariantViolation,
  checkpoint_store_name,
  disk_store_name,
  type WorldOptions,
  type AddProcessOptions,
  type RunOptions,
  type RunOutcome,
  type StopReason,
  type WorldSummary,
  type FaultNote,
} from './world.js';
export { Rng, type RngState } from './random.js';
export { EventQueue } from './event-queue.js';
export { assert } from './invariant.js';
export { sample_latency_ms, type LatencyModel, type PartitionRule } from './network.js';
export { SimStore, storage_fault_kinds, type StorageFaultKind, type StoreOptions } from './storage.js';
export { Trace, string_hash32, summarize_message, type TraceSink, type TraceOptions } from './trace.js';
export { apply_fault, apply_fault_plan, fault_target, type Fault, type FaultKind, type FaultPlan, type FaultPlanHandle } from './fault-plan.js';
export { generate_nemesis_plan, nemesis_kinds, type NemesisKind, type NemesisOptions, type NemesisPlan, type Range } from './nemesis.js';
export { crc32 } from './checksum.js';
export type * from './types.js';
export type * from './trace-format.js';
export { TRACE_FORMAT, TRACE_FORMAT_VERSION, ENGINE_EVENTS } from './trace-format.js';
