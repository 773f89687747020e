// Split-model types shared by the enumerator (JobManager side) and the readers (task side), and the slice of the
// log broker's message protocol (engine/connectors/log-broker.ts) they use, restated structurally.
import type { NodeId } from '../../runtime.js';

/** One partition of a topic, read from `start_offset`; bounded splits stop before `stop_offset`. */
export interface LogSplit {
  split_id: string;
  topic: string;
  partition: number;
  start_offset: number;
  /** Exclusive end for bounded reading; null when unbounded. */
  stop_offset: number | null;
}

/** A split with its reader's progress: what a reader checkpoints (offset = next record to emit). */
export interface LogSplitState {
  split: LogSplit;
  offset: number;
}

export type BoundedMode = 'bounded' | 'unbounded';

export function split_id_for(topic: string, partition: number): string {
  return `${topic}-${partition}`;
}

/** Reader → enumerator and enumerator → reader events (Flink's source events / split requests). */
export type SourceEvent =
  | { type: 'split.reader_registered'; subtask_index: number }
  | { type: 'split.assign'; subtask_index: number; splits: LogSplit[] }
  | { type: 'split.no_more_splits'; subtask_index: number };

export function is_source_event(message: unknown): message is SourceEvent {
  const type = (message as { type?: unknown } | null)?.type;
  return type === 'split.reader_registered' || type === 'split.assign' || type === 'split.no_more_splits';
}

/** The log broker requests and replies the split source uses (see log-broker.ts for the broker side). */
export type BrokerFetchRequest = { type: 'broker.fetch'; topic: string; partition: number; offset: number; max_records: number; reply_tag: string };
export type BrokerEndOffsetsRequest = { type: 'broker.end_offsets'; topic: string; reply_tag: string };
export type BrokerSourceReply =
  | { type: 'broker.fetch_result'; reply_tag: string; topic: string; partition: number; offset: number; records: { value: unknown; timestamp_ms: number }[]; end_offset: number }
  | { type: 'broker.fetch_error'; reply_tag: string; topic: string; partition: number; error: string }
  | { type: 'broker.end_offsets_result'; reply_tag: string; topic: string; end_offsets: number[] }
  | { type: 'broker.end_offsets_error'; reply_tag: string; topic: string; error: string };

export interface BrokerTransport {
  send(to: NodeId, message: BrokerFetchRequest | BrokerEndOffsetsRequest): void;
}
