// The oracle's streams between operators: each node's main output and its side outputs (by OutputTag id), records
// with their event timestamps in parallel arrays, and the operator state user functions keep in the oracle.
import type { GraphEdge, GraphNode } from '../engine/graph/job-graph.js';
import { OperatorListState, type OperatorStateMode } from '../engine/state/operator-state.js';
import type { OperatorStateAccess } from '../engine/task/operators/user-function.js';
import type { SubtaskInfo } from '../engine/task/runtime-context.js';
import { heap_check_every } from '../scenarios/run/heap-guard.js';

/** The oracle's output grows with the input: a scenario too big for the heap stops with a clear budget message. */
const oracle_heap_check = heap_check_every(65_536, 'while the oracle evaluated the job');

/**
 * A stream between operators: its records in order, with each record's event timestamp (NO_TIMESTAMP: none) at the
 * same index. Parallel arrays, so reading and passing on a record allocates nothing per record.
 */
export class ElementStream {
  readonly values: unknown[] = [];
  readonly timestamps_ms: number[] = [];

  push(value: unknown, timestamp_ms: number): void {
    oracle_heap_check();
    this.values.push(value);
    this.timestamps_ms.push(timestamp_ms);
  }
}

/** Where one operator's results go: its main output and, created on first use, its side outputs. */
export class OperatorOutputs {
  readonly side = new Map<string, ElementStream>();

  constructor(public main: ElementStream = new ElementStream()) {}

  sideStream(tag_id: string): ElementStream {
    let stream = this.side.get(tag_id);
    if (stream === undefined) {
      stream = new ElementStream();
      this.side.set(tag_id, stream);
    }
    return stream;
  }
}

/** Every node's outputs; an edge reads its source's main output or the side output it names. */
export class OracleStreams {
  private readonly outputs = new Map<number, OperatorOutputs>();
  private static readonly EMPTY = new ElementStream();

  set(node_id: number, outputs: OperatorOutputs): void {
    this.outputs.set(node_id, outputs);
  }

  read(edge: GraphEdge): ElementStream {
    const outputs = this.outputs.get(edge.source_node_id);
    if (outputs === undefined) throw new Error(`oracle: node ${edge.source_node_id} evaluated after its consumer`);
    if (edge.side_output_tag === undefined) return outputs.main;
    return outputs.side.get(edge.side_output_tag) ?? OracleStreams.EMPTY;
  }
}

/** Operator list state of one user function in the oracle: one parallel instance, never restored. */
export class OracleOperatorState implements OperatorStateAccess {
  readonly restored = false;
  readonly lists = new Map<string, OperatorListState<unknown>>();

  list<T>(name: string, mode: OperatorStateMode): OperatorListState<T> {
    let state = this.lists.get(name);
    if (state === undefined) {
      state = new OperatorListState<unknown>(name, mode);
      this.lists.set(name, state);
    }
    if (state.mode !== mode) throw new Error(`operator state ${name} registered with mode ${state.mode}`);
    return state as OperatorListState<T>;
  }

  /** Name → entries (after the function's final snapshotState). */
  entries(): Map<string, unknown[]> {
    return new Map([...this.lists].map(([name, state]) => [name, [...state.get()]]));
  }
}

/** The oracle runs every operator as one parallel instance. */
export function oracleSubtaskInfo(node: GraphNode): SubtaskInfo {
  return { subtask_index: 0, parallelism: 1, max_parallelism: node.max_parallelism, task_name: node.name };
}
