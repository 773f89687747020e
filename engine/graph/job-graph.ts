// The logical job graph (Flink's StreamGraph): one node per transformation with uid, name, parallelism and input
// edges carrying the partitioning. Built by the DataStream API; re-created from the job factory on every process.
import type {
  AggregateFunction,
  FilterFunction,
  FlatMapFunction,
  KeyedProcessFunction,
  KeySelector,
  MapFunction,
  ReduceFunction,
  Sink,
  Source,
  WatermarkStrategy,
  WindowFunction,
} from '../api/functions.js';
import type { Window, WindowAssigner } from '../api/windows.js';
import type { Trigger } from '../api/triggers.js';
import type { Evictor } from '../api/evictors.js';
import type { ProcessWindowFunction } from '../api/window-functions.js';
import { twoInputEdgeProblem, type TwoInputSpec } from './two-input-spec.js';
import { computeDefaultMaxParallelism } from '../state/key-groups.js';
import type { ProcessFunction, RichFilterFunction, RichFlatMapFunction, RichMapFunction } from '../api/rich-functions.js';

/** 'default' becomes forward when parallelisms match, else rebalance (as in Flink). */
export type Partitioning = 'default' | 'forward' | 'rebalance' | 'broadcast' | 'hash';

export interface GraphEdge {
  source_node_id: number;
  partitioning: Partitioning;
  key_selector?: KeySelector<unknown, unknown>;
  /** Which input of a two-input operator the edge feeds (Flink's type number); absent: the first (or only) input. */
  input?: 1 | 2;
  /** Reads the side output with this OutputTag id of the source node instead of its main output. */
  side_output_tag?: string;
}

export type NodeOperator =
  | { kind: 'source'; source: Source<unknown>; watermarks?: WatermarkStrategy<unknown> }
  // After keyBy, map/filter/flatMap are keyed (key_selector set): their rich functions may use keyed state.
  | { kind: 'map'; fn: MapFunction<unknown, unknown> | RichMapFunction<unknown, unknown>; key_selector?: KeySelector<unknown, unknown> }
  | { kind: 'filter'; fn: FilterFunction<unknown> | RichFilterFunction<unknown>; key_selector?: KeySelector<unknown, unknown> }
  | { kind: 'flat_map'; fn: FlatMapFunction<unknown, unknown> | RichFlatMapFunction<unknown, unknown>; key_selector?: KeySelector<unknown, unknown> }
  | { kind: 'process'; create_function: () => ProcessFunction<unknown, unknown> }
  | { kind: 'timestamps_watermarks'; strategy: WatermarkStrategy<unknown> }
  | {
      kind: 'keyed_process';
      key_selector: KeySelector<unknown, unknown>;
      create_function: () => KeyedProcessFunction<unknown, unknown, unknown>;
    }
  | { kind: 'keyed_reduce'; key_selector: KeySelector<unknown, unknown>; reduce: ReduceFunction<unknown> }
  | {
      kind: 'window';
      key_selector: KeySelector<unknown, unknown>;
      assigner: WindowAssigner;
      /** Default: the assigner's default trigger. */
      trigger?: Trigger<unknown, Window>;
      evictor?: Evictor<unknown, Window>;
      allowed_lateness_ms: number;
      /** Late elements go to this side output (OutputTag id) instead of being dropped. */
      late_data_tag?: string;
      reduce?: ReduceFunction<unknown>;
      aggregate?: AggregateFunction<unknown, unknown, unknown>;
      /** A result mapper (key, window, result) => output, or a ProcessWindowFunction (cloned per instance). */
      window_function?: WindowFunction<unknown, unknown, unknown> | ProcessWindowFunction<unknown, unknown, unknown, Window>;
      /** windowAll: the window function takes no key ((window, result) or ProcessAllWindowFunction). */
      all_windows?: boolean;
    }
  | { kind: 'sink'; sink: Sink<unknown> }
  | { kind: 'two_input'; spec: TwoInputSpec };

export interface GraphNode {
  id: number;
  name: string;
  /** Stable operator id (state is matched by uid on restore); auto-generated from the node id when not set. */
  uid: string;
  uid_is_generated: boolean;
  parallelism: number;
  /**
   * Key groups of the operator. Unless configured (the environment's max parallelism or setMaxParallelism), derived
   * from the operator's own parallelism as Flink's KeyGroupRangeAssignment.computeDefaultMaxParallelism, and then a
   * restore may adopt the max parallelism of the state it restores (Flink's canRescaleMaxParallelism).
   */
  max_parallelism: number;
  max_parallelism_configured: boolean;
  inputs: GraphEdge[];
  operator: NodeOperator;
}

/** Operators with keyed state: keyed process/reduce, windows, and map/filter/flatMap applied after keyBy. */
export function isKeyedOperator(operator: NodeOperator): operator is NodeOperator & { key_selector: KeySelector<unknown, unknown> } {
  return (operator as { key_selector?: unknown }).key_selector !== undefined;
}

export class JobGraph {
  readonly nodes: GraphNode[] = [];

  constructor(
    readonly default_parallelism: number,
    /** The environment's max parallelism; undefined = each operator derives its own. */
    readonly configured_max_parallelism: number | undefined,
  ) {}

  addNode(name: string, operator: NodeOperator, inputs: GraphEdge[], parallelism: number): GraphNode {
    const id = this.nodes.length;
    const node: GraphNode = {
      id,
      name,
      uid: `auto-${id}-${operator.kind}`,
      uid_is_generated: true,
      parallelism,
      max_parallelism: this.configured_max_parallelism ?? computeDefaultMaxParallelism(parallelism),
      max_parallelism_configured: this.configured_max_parallelism !== undefined,
      inputs,
      operator,
    };
    this.nodes.push(node);
    return node;
  }

  node(id: number): GraphNode {
    const node = this.nodes[id];
    if (node === undefined) throw new Error(`no graph node ${id}`);
    return node;
  }

  /** Consumers of a node, in node order. */
  consumers(node_id: number): GraphNode[] {
    return this.nodes.filter((n) => n.inputs.some((e) => e.source_node_id === node_id));
  }

  validate(): void {
    const uids = new Set<string>();
    for (const node of this.nodes) {
      if (uids.has(node.uid)) throw new Error(`duplicate operator uid ${node.uid}`);
      uids.add(node.uid);
      if (node.parallelism > node.max_parallelism) {
        throw new Error(`${node.name}: parallelism ${node.parallelism} > max parallelism ${node.max_parallelism}`);
      }
      if (node.operator.kind === 'source' && node.inputs.length > 0) throw new Error('a source has no inputs');
      if (node.operator.kind !== 'source' && node.inputs.length === 0) throw new Error(`${node.name} has no input`);
      for (const edge of node.inputs) {
        const upstream = this.node(edge.source_node_id);
        if (edge.partitioning === 'forward' && upstream.parallelism !== node.parallelism) {
          throw new Error(`forward edge ${upstream.name} → ${node.name} needs equal parallelism`);
        }
        if (isKeyedOperator(node.operator) && edge.partitioning !== 'hash') {
          throw new Error(`${node.name} is keyed but its input is not keyBy-partitioned`);
        }
        if (node.operator.kind !== 'two_input' && (edge.input ?? 1) !== 1) throw new Error(`${node.name} has one input, not two`);
      }
      if (node.operator.kind === 'two_input') {
        const problem = twoInputEdgeProblem(node.operator.spec, node.inputs);
        if (problem !== undefined) throw new Error(`${node.name}: ${problem}`);
      }
    }
    if (!this.nodes.some((n) => n.operator.kind === 'sink')) throw new Error('job has no sink');
  }
}
