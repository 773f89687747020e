// The RuntimeContext user functions see: which parallel instance runs them, and keyed state by name or descriptor
// (keyed operators only). Shared by the engine's operators and the oracle, so both resolve descriptors alike.
import type { RuntimeContext } from '../api/functions.js';
import type { AggregatingStateDescriptor, ReducingStateDescriptor, StateDescriptor } from '../api/state-descriptors.js';
import { stateName } from '../api/state-descriptors.js';
import type { AggregateFunction, KeyedStateStore, ReduceFunction } from '../state/keyed-state.js';
import { TtlStateFactory, type StateTtlConfig, type TtlContext } from '../state/ttl.js';

export interface SubtaskInfo {
  subtask_index: number;
  parallelism: number;
  max_parallelism: number;
  task_name: string;
}

function noKeyedState(): never {
  throw new Error('Keyed state can only be used on a keyed stream (after keyBy)');
}

/** Processing time never advances (e.g. in the oracle): TTL values never expire. */
const NO_TTL_CLOCK: TtlContext = { now_ms: () => 0 };

export function createRuntimeContext(info: SubtaskInfo, store: KeyedStateStore | undefined): RuntimeContext {
  const keyed = (): KeyedStateStore => store ?? noKeyedState();
  /** The TTL config of a descriptor with time-to-live enabled, else undefined. */
  const ttlOf = (descriptor: string | StateDescriptor): StateTtlConfig | undefined =>
    typeof descriptor === 'string' || descriptor.ttl_config?.isEnabled() !== true ? undefined : descriptor.ttl_config;
  const ttl = (): TtlStateFactory => new TtlStateFactory(keyed(), keyed().ttl ?? NO_TTL_CLOCK);
  return {
    subtask_index: info.subtask_index,
    parallelism: info.parallelism,
    max_parallelism: info.max_parallelism,
    task_name: info.task_name,
    getIndexOfThisSubtask: () => info.subtask_index,
    getNumberOfParallelSubtasks: () => info.parallelism,
    getMaxNumberOfParallelSubtasks: () => info.max_parallelism,
    getTaskName: () => info.task_name,
    getState: (descriptor) => {
      const config = ttlOf(descriptor);
      return config === undefined ? keyed().getState(stateName(descriptor)) : ttl().value(stateName(descriptor), config);
    },
    getListState: (descriptor) => {
      const config = ttlOf(descriptor);
      return config === undefined ? keyed().getListState(stateName(descriptor)) : ttl().list(stateName(descriptor), config);
    },
    getMapState: (descriptor) => {
      const config = ttlOf(descriptor);
      return config === undefined ? keyed().getMapState(stateName(descriptor)) : ttl().map(stateName(descriptor), config);
    },
    getReducingState: <T>(descriptor: string | ReducingStateDescriptor<T>, reduce?: ReduceFunction<T>) => {
      const fn = typeof descriptor === 'string' ? reduce : descriptor.reduce;
      if (fn === undefined) throw new Error(`reducing state ${stateName(descriptor)} needs a reduce function`);
      const config = ttlOf(descriptor);
      return config === undefined ? keyed().getReducingState(stateName(descriptor), fn) : ttl().reducing(stateName(descriptor), fn, config);
    },
    getAggregatingState: <IN, ACC, OUT>(descriptor: string | AggregatingStateDescriptor<IN, ACC, OUT>, aggregate?: AggregateFunction<IN, ACC, OUT>) => {
      const fn = typeof descriptor === 'string' ? aggregate : descriptor.aggregate;
      if (fn === undefined) throw new Error(`aggregating state ${stateName(descriptor)} needs an AggregateFunction`);
      const config = ttlOf(descriptor);
      return config === undefined ? keyed().getAggregatingState(stateName(descriptor), fn) : ttl().aggregating(stateName(descriptor), fn, config);
    },
  } as RuntimeContext;
}
