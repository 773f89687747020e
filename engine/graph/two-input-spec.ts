// What a two-input graph node runs (Flink's TwoInputTransformation): the co-function family, keyed co-process,
// broadcast process (keyed or not) and the interval join, with the key selector of each input and the checks its
// input edges must pass (keyed inputs hash-partitioned, the broadcast input broadcast-partitioned).
import type {
  BroadcastProcessFunction,
  CoFlatMapFunction,
  CoMapFunction,
  CoProcessFunction,
  KeyedBroadcastProcessFunction,
  KeyedCoProcessFunction,
  ProcessJoinFunction,
} from '../api/co-functions.js';
import type { KeySelector } from '../api/functions.js';
import type { MapStateDescriptor } from '../api/state-descriptors.js';

type AnyKeySelector = KeySelector<unknown, unknown>;

/** Key selectors of both inputs (connected streams after keyBy(k1, k2)): the function gets keyed state. */
interface OptionalKeys {
  key_selector1?: AnyKeySelector;
  key_selector2?: AnyKeySelector;
}

export type TwoInputSpec =
  | ({ kind: 'co_map'; create_function: () => CoMapFunction<unknown, unknown, unknown> } & OptionalKeys)
  | ({ kind: 'co_flat_map'; create_function: () => CoFlatMapFunction<unknown, unknown, unknown> } & OptionalKeys)
  | { kind: 'co_process'; create_function: () => CoProcessFunction<unknown, unknown, unknown> }
  | {
      kind: 'keyed_co_process';
      key_selector1: AnyKeySelector;
      key_selector2: AnyKeySelector;
      create_function: () => KeyedCoProcessFunction<unknown, unknown, unknown, unknown>;
    }
  | {
      kind: 'broadcast_process';
      descriptors: readonly MapStateDescriptor<unknown, unknown>[];
      create_function: () => BroadcastProcessFunction<unknown, unknown, unknown>;
    }
  | {
      kind: 'keyed_broadcast_process';
      key_selector1: AnyKeySelector;
      descriptors: readonly MapStateDescriptor<unknown, unknown>[];
      create_function: () => KeyedBroadcastProcessFunction<unknown, unknown, unknown, unknown>;
    }
  | {
      kind: 'interval_join';
      key_selector1: AnyKeySelector;
      key_selector2: AnyKeySelector;
      /** Inclusive bounds (exclusive ones already moved by 1, as Flink's IntervalJoinOperator does). */
      lower_bound_ms: number;
      upper_bound_ms: number;
      create_function: () => ProcessJoinFunction<unknown, unknown, unknown>;
      /** Side outputs for late elements of each side (sideOutputLeftLateData / sideOutputRightLateData). */
      left_late_data_tag?: string;
      right_late_data_tag?: string;
    };

/** The key selector of input 1 and 2; undefined for a non-keyed input. */
export function twoInputKeySelectors(spec: TwoInputSpec): [AnyKeySelector | undefined, AnyKeySelector | undefined] {
  switch (spec.kind) {
    case 'co_map':
    case 'co_flat_map':
    case 'keyed_co_process':
    case 'interval_join':
      return [spec.key_selector1, spec.key_selector2];
    case 'keyed_broadcast_process':
      return [spec.key_selector1, undefined];
    case 'co_process':
    case 'broadcast_process':
      return [undefined, undefined];
  }
}

export function isKeyedTwoInput(spec: TwoInputSpec): boolean {
  return twoInputKeySelectors(spec)[0] !== undefined;
}

/** Broadcast state descriptors of a broadcast process node (none for the others). */
export function broadcastDescriptors(spec: TwoInputSpec): readonly MapStateDescriptor<unknown, unknown>[] {
  return spec.kind === 'broadcast_process' || spec.kind === 'keyed_broadcast_process' ? spec.descriptors : [];
}

/** Why the input edges do not fit the node (undefined when they do). */
export function twoInputEdgeProblem(
  spec: TwoInputSpec,
  inputs: readonly { partitioning: string; input?: 1 | 2 }[],
): string | undefined {
  const selectors = twoInputKeySelectors(spec);
  const broadcast_input = spec.kind === 'broadcast_process' || spec.kind === 'keyed_broadcast_process';
  if (!broadcast_input && (selectors[0] === undefined) !== (selectors[1] === undefined)) return 'both inputs must be keyed, or neither';
  for (const input of [1, 2] as const) {
    const edges = inputs.filter((e) => (e.input ?? 1) === input);
    if (edges.length === 0) return `input ${input} has no edge`;
    for (const edge of edges) {
      if (input === 2 && broadcast_input) {
        if (edge.partitioning !== 'broadcast') return 'the broadcast input must be broadcast-partitioned';
      } else if (selectors[input - 1] !== undefined && edge.partitioning !== 'hash') {
        return `input ${input} is keyed but not keyBy-partitioned`;
      }
    }
  }
  return undefined;
}
