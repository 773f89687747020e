// The life of a user function inside an operator (Flink's AbstractUdfStreamOperator + StreamingFunctionUtils): one
// instance per parallel subtask, runtime context, operator state (CheckpointedFunction / ListCheckpointed) restored
// before open(), written at every snapshot, and close() when the task is disposed.
import type { RuntimeContext } from '../../api/functions.js';
import {
  isCheckpointedFunction,
  isListCheckpointed,
  type FunctionInitializationContext,
  type OperatorStateStore,
  type RichFunction,
} from '../../api/rich-functions.js';
import { stateName, type ListStateDescriptor } from '../../api/state-descriptors.js';
import type { GraphNode } from '../../graph/job-graph.js';
import type { OperatorStateMode } from '../../state/operator-state.js';
import type { KeyedStateStore } from '../../state/keyed-state.js';
import type { OperatorEnvironment } from '../operator-base.js';
import { createRuntimeContext, type SubtaskInfo } from '../runtime-context.js';

/** The list state ListCheckpointed functions keep (Flink's DefaultOperatorStateBackend.DEFAULT_OPERATOR_STATE_NAME). */
export const LIST_CHECKPOINTED_STATE = '_default_';

/** A parallel instance of a function: objects are cloned with Object.create (plain functions are stateless). */
export function instancePerSubtask<F>(template: F): F {
  return typeof template === 'object' && template !== null ? (Object.create(template) as F) : template;
}

/** Where a user function's operator state lives: the task's list states of one operator uid. */
export interface OperatorStateAccess {
  list<T>(name: string, mode: OperatorStateMode): { get(): readonly T[]; update(values: readonly T[]): void; add(value: T): void; addAll(values: readonly T[]): void; clear(): void };
  readonly restored: boolean;
}

function checkOperatorStateName(name: string): string {
  if (name.startsWith('_')) throw new Error(`invalid operator state name ${JSON.stringify(name)} (names beginning with "_" are reserved)`);
  return name;
}

/** Drives one function instance through initializeState/open, snapshots and close. */
export class UserFunction {
  private opened = false;

  constructor(
    readonly fn: unknown,
    private readonly info: SubtaskInfo,
    private readonly state: OperatorStateAccess,
    private readonly keyed_store?: KeyedStateStore,
  ) {
    if (isCheckpointedFunction(fn) && isListCheckpointed(fn)) {
      throw new Error('a function is either a CheckpointedFunction or ListCheckpointed, not both');
    }
  }

  static forOperator(fn: unknown, node: GraphNode, env: OperatorEnvironment, info: SubtaskInfo, keyed_store?: KeyedStateStore): UserFunction {
    const access: OperatorStateAccess = {
      list: (name, mode) => env.getOperatorListState(node.uid, name, mode),
      restored: env.restored,
    };
    return new UserFunction(fn, info, access, keyed_store);
  }

  get runtime_context(): RuntimeContext {
    return createRuntimeContext(this.info, this.keyed_store);
  }

  open(): void {
    if (this.opened) throw new Error('user function opened twice');
    this.opened = true;
    const fn = this.fn;
    if (typeof fn !== 'object' || fn === null) return;
    const rich = fn as RichFunction;
    const ctx = this.runtime_context;
    rich.setRuntimeContext?.(ctx);
    if (isCheckpointedFunction(fn)) {
      const store: OperatorStateStore = {
        getListState: <T>(descriptor: ListStateDescriptor<T> | string) => this.state.list<T>(checkOperatorStateName(stateName(descriptor)), 'split'),
        getUnionListState: <T>(descriptor: ListStateDescriptor<T> | string) => this.state.list<T>(checkOperatorStateName(stateName(descriptor)), 'union'),
      };
      const init: FunctionInitializationContext = {
        isRestored: () => this.state.restored,
        getOperatorStateStore: () => store,
        getKeyedStateStore: () => (this.keyed_store === undefined ? undefined : ctx),
      };
      fn.initializeState(init);
    } else if (isListCheckpointed(fn) && this.state.restored) {
      fn.restoreState([...this.state.list<unknown>(LIST_CHECKPOINTED_STATE, 'split').get()]);
    }
    rich.open?.(ctx);
  }

  /** Flink's StreamingFunctionUtils.snapshotFunctionState. */
  snapshotState(checkpoint_id: number, timestamp_ms: number): void {
    const fn = this.fn;
    if (isCheckpointedFunction(fn)) {
      fn.snapshotState({ getCheckpointId: () => checkpoint_id, getCheckpointTimestamp: () => timestamp_ms });
    } else if (isListCheckpointed(fn)) {
      const list = fn.snapshotState(checkpoint_id, timestamp_ms);
      if (!Array.isArray(list)) throw new Error('ListCheckpointed.snapshotState must return an array');
      this.state.list<unknown>(LIST_CHECKPOINTED_STATE, 'split').update(list);
    }
  }

  close(): void {
    if (!this.opened) return;
    this.opened = false;
    (this.fn as RichFunction | undefined)?.close?.();
  }
}
