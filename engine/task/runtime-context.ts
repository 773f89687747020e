// The RuntimeContext user functions see: which parallel instance runs them, and keyed state by name or descriptor
// (keyed operators only). Shared by the engine's operators and the oracle, so both resolve descriptors alike.
import type { RuntimeContext } from '../api/functions.js';
import type { AggregatingStateDescriptor, ReducingStateDescriptor } from '../api/state-descriptors.js';
import { stateName } from '../api/state-descriptors.js';
import type { AggregateFunction, KeyedStateStore, ReduceFunction } from '../state/keyed-state.js';

export interface SubtaskInfo {
  subtask_index: number;
  parallelism: number;
  max_parallelism: number;
  task_name: string;
}

function noKeyedState(): never {
  throw new Error('Keyed state can only be used on a keyed stream (after keyBy)');
}

export function createRuntimeContext(info: SubtaskInfo, store: KeyedStateStore | undefined): RuntimeContext {
  const keyed = (): KeyedStateStore => store ?? noKeyedState();
  return {
    subtask_index: info.subtask_index,
    parallelism: info.parallelism,
    max_parallelism: info.max_parallelism,
    task_name: info.task_name,
    getIndexOfThisSubtask: () => info.subtask_index,
    getNumberOfParallelSubtasks: () => info.parallelism,
    getMaxNumberOfParallelSubtasks: () => info.max_parallelism,
    getTaskName: () => info.task_name,
    getState: (descriptor) => keyed().getState(stateName(descriptor)),
    getListState: (descriptor) => keyed().getListState(stateName(descriptor)),
    getMapState: (descriptor) => keyed().getMapState(stateName(descriptor)),
    getReducingState: <T>(descriptor: string | ReducingStateDescriptor<T>, reduce?: ReduceFunction<T>) => {
      const fn = typeof descriptor === 'string' ? reduce : descriptor.reduce;
      if (fn === undefined) throw new Error(`reducing state ${stateName(descriptor)} needs a reduce function`);
      return keyed().getReducingState(stateName(descriptor), fn);
    },
    getAggregatingState: <IN, ACC, OUT>(descriptor: string | AggregatingStateDescriptor<IN, ACC, OUT>, aggregate?: AggregateFunction<IN, ACC, OUT>) => {
      const fn = typeof descriptor === 'string' ? aggregate : descriptor.aggregate;
      if (fn === undefined) throw new Error(`aggregating state ${stateName(descriptor)} needs an AggregateFunction`);
      return keyed().getAggregatingState(stateName(descriptor), fn);
    },
  } as RuntimeContext;
}
