// From the logical JobGraph to what runs: operator chains (job vertices), their edges with resolved partitioning,
// the channels between subtasks, and slot placement of subtasks onto TaskManagers. Pure and deterministic, so the
// JobManager and every TaskManager derive the same plan from the same job factory.
import type { KeySelector } from '../api/functions.js';
import type { NodeId } from '../runtime.js';
import type { JobGraph, GraphNode } from './job-graph.js';

export type ResolvedPartitioning = 'forward' | 'rebalance' | 'broadcast' | 'hash';

/** A chain of graph nodes that runs as one task per subtask. */
export interface JobVertex {
  index: number;
  /** Graph node ids in chain order; the first is the head. */
  node_ids: number[];
  name: string;
  parallelism: number;
  max_parallelism: number;
  is_source: boolean;
  /** Indexes into ExecutionPlan.edges. */
  input_edges: number[];
  output_edges: number[];
}

export interface VertexEdge {
  index: number;
  source_vertex: number;
  target_vertex: number;
  /** The graph node at the tail of the source chain, and the head node of the target chain. */
  source_node_id: number;
  target_node_id: number;
  partitioning: ResolvedPartitioning;
  key_selector?: KeySelector<unknown, unknown>;
  /** The input of the target's head operator the edge feeds: 1, or 2 for a two-input operator's second input. */
  input: 1 | 2;
  /** The edge carries this side output of the source node (its OutputTag id), not the main output. */
  side_output_tag?: string;
}

export interface ExecutionPlan {
  vertices: JobVertex[];
  edges: VertexEdge[];
  /** Slots needed with slot sharing: subtask i of every vertex shares slot i. */
  required_slots: number;
}

function resolvePartitioning(upstream: GraphNode, downstream: GraphNode, declared: string): ResolvedPartitioning {
  if (declared === 'default') return upstream.parallelism === downstream.parallelism ? 'forward' : 'rebalance';
  return declared as ResolvedPartitioning;
}

function canChain(graph: JobGraph, upstream: GraphNode, downstream: GraphNode): boolean {
  if (downstream.inputs.length !== 1) return false;
  const edge = downstream.inputs[0]!;
  if (edge.source_node_id !== upstream.id) return false;
  // Side outputs leave through the task's record writers (Flink chains them; here a side-output edge never chains).
  if (edge.side_output_tag !== undefined) return false;
  if (resolvePartitioning(upstream, downstream, edge.partitioning) !== 'forward') return false;
  if (upstream.parallelism !== downstream.parallelism) return false;
  if (upstream.max_parallelism !== downstream.max_parallelism && downstream.operator.kind !== 'sink') return false;
  return graph.consumers(upstream.id).length === 1;
}

export function buildExecutionPlan(graph: JobGraph): ExecutionPlan {
  graph.validate();
  const vertex_of_node = new Map<number, number>();
  const vertices: JobVertex[] = [];
  for (const node of graph.nodes) {
    const input = node.inputs.length === 1 ? graph.node(node.inputs[0]!.source_node_id) : undefined;
    if (input !== undefined && canChain(graph, input, node)) {
      const vertex = vertices[vertex_of_node.get(input.id)!]!;
      vertex.node_ids.push(node.id);
      vertex.name += ' -> ' + node.name;
      vertex_of_node.set(node.id, vertex.index);
      continue;
    }
    const vertex: JobVertex = {
      index: vertices.length,
      node_ids: [node.id],
      name: node.name,
      parallelism: node.parallelism,
      max_parallelism: node.max_parallelism,
      is_source: node.operator.kind === 'source',
      input_edges: [],
      output_edges: [],
    };
    vertices.push(vertex);
    vertex_of_node.set(node.id, vertex.index);
  }
  const edges: VertexEdge[] = [];
  for (const node of graph.nodes) {
    const target_vertex = vertex_of_node.get(node.id)!;
    if (vertices[target_vertex]!.node_ids[0] !== node.id) continue;
    for (const input of node.inputs) {
      const upstream = graph.node(input.source_node_id);
      const edge: VertexEdge = {
        index: edges.length,
        source_vertex: vertex_of_node.get(upstream.id)!,
        target_vertex,
        source_node_id: upstream.id,
        target_node_id: node.id,
        partitioning: resolvePartitioning(upstream, node, input.partitioning),
        key_selector: input.key_selector,
        input: input.input ?? 1,
        ...(input.side_output_tag !== undefined ? { side_output_tag: input.side_output_tag } : {}),
      };
      if (edge.partitioning === 'hash' && edge.key_selector === undefined) throw new Error('hash edge without key');
      edges.push(edge);
      vertices[edge.source_vertex]!.output_edges.push(edge.index);
      vertices[edge.target_vertex]!.input_edges.push(edge.index);
    }
  }
  return { vertices, edges, required_slots: Math.max(...vertices.map((v) => v.parallelism)) };
}

/** Channel id: "<edge>:<source subtask>:<target subtask>". */
export function channelId(edge: number, source_subtask: number, target_subtask: number): string {
  return `${edge}:${source_subtask}:${target_subtask}`;
}

/** Target subtasks a source subtask sends to on an edge, in order. */
export function targetSubtasks(plan: ExecutionPlan, edge: VertexEdge, source_subtask: number): number[] {
  if (edge.partitioning === 'forward') return [source_subtask];
  const p = plan.vertices[edge.target_vertex]!.parallelism;
  return Array.from({ length: p }, (_, i) => i);
}

/** Source subtasks a target subtask receives from on an edge, in order. */
export function sourceSubtasks(plan: ExecutionPlan, edge: VertexEdge, target_subtask: number): number[] {
  if (edge.partitioning === 'forward') return [target_subtask];
  const p = plan.vertices[edge.source_vertex]!.parallelism;
  return Array.from({ length: p }, (_, i) => i);
}

/** Where each subtask runs: placement[vertex][subtask] = TaskManager id. */
export type Placement = NodeId[][];

/**
 * Slot sharing placement: slot k (k < required_slots) is the k-th slot in round-robin order over TaskManagers
 * sorted by id (tm-a slot 0, tm-b slot 0, …, tm-a slot 1, …), and subtask k of every vertex runs in slot k.
 */
export function placeSubtasks(plan: ExecutionPlan, slots_by_tm: ReadonlyMap<NodeId, number>): Placement | undefined {
  const tms = [...slots_by_tm.keys()].sort();
  const slot_owner: NodeId[] = [];
  const max_slots = Math.max(0, ...slots_by_tm.values());
  for (let round = 0; round < max_slots; round++) {
    for (const tm of tms) if (round < slots_by_tm.get(tm)!) slot_owner.push(tm);
  }
  if (slot_owner.length < plan.required_slots) return undefined;
  return plan.vertices.map((v) => Array.from({ length: v.parallelism }, (_, i) => slot_owner[i]!));
}
