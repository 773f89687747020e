// Parameters shared by the example jobs (where to read, where to write) and the sink choice.
import type { Sink } from '../api/functions.js';
import { CollectSink, DiscardingSink, ThrottledSink } from '../connectors/collect-sink.js';
import { LogSource } from '../connectors/log-source.js';

export interface CommonParams {
  broker: string;
  collector: string;
  topic: string;
  partitions: number;
  bounded: boolean;
  /** 'collect' (to the collector node) or 'discard'. */
  sink: 'collect' | 'discard';
  /** When set, the sink accepts at most this many records per ms (backpressure experiments). */
  sink_records_per_ms?: number;
}

export const DEFAULT_COMMON_PARAMS: CommonParams = {
  broker: 'broker',
  collector: 'collector',
  topic: 'input',
  partitions: 4,
  bounded: true,
  sink: 'collect',
};

export function commonParams(params: Record<string, unknown>): CommonParams {
  const merged = { ...DEFAULT_COMMON_PARAMS, ...params } as CommonParams;
  if (!Number.isInteger(merged.partitions) || merged.partitions < 1) throw new Error('partitions must be ≥ 1');
  return merged;
}

export function sourceFor(params: CommonParams): LogSource {
  return new LogSource({ broker: params.broker, topic: params.topic, partitions: params.partitions, bounded: params.bounded });
}

export function sinkFor(params: CommonParams): Sink<unknown> {
  const base: Sink<unknown> = params.sink === 'discard' ? new DiscardingSink() : new CollectSink({ collector: params.collector });
  return params.sink_records_per_ms === undefined ? base : new ThrottledSink(base, params.sink_records_per_ms);
}

export function numberParam(params: Record<string, unknown>, name: string, fallback: number): number {
  const value = params[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`parameter ${name} must be a number`);
  return value;
}
