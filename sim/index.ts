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
export { apply_fault, apply_fault_plan, fault_target, type Fault, type FaultKind, type FaultPlan } from './fault-plan.js';
export { generate_nemesis_plan, nemesis_kinds, type NemesisKind, type NemesisOptions, type NemesisPlan, type Range } from './nemesis.js';
export { crc32 } from './checksum.js';
export type * from './types.js';
export type * from './trace-format.js';
export { TRACE_FORMAT, TRACE_FORMAT_VERSION, ENGINE_EVENTS } from './trace-format.js';
