// The workload's producer, folded into the broker: the whole input is written to the broker's log at its first start
// (so end offsets are the bounded input's stopping offsets, as with Flink's KafkaSource.setBounded), but a fetch only
// sees the records "produced" so far — partition p's records appear evenly at its share of rate_per_second.
import { createLogBroker, fetch_result, type BrokerRequest, type LogBroker, type LogBrokerConfig } from '../../engine/connectors/log-broker.js';
import type { EngineNode, NodeId, Runtime } from '../../engine/runtime.js';

export interface PacingConfig {
  /** Records per second of the broker's clock, over all partitions. */
  rate_per_second: number;
  /** topic → records per partition. */
  partition_records: ReadonlyMap<string, readonly number[]>;
}

/** How many records of one partition are visible at `now_ms` (whole records, never more than it holds). */
export function visible_records(partition_records: number, total_records: number, rate_per_second: number, now_ms: number): number {
  if (total_records <= 0 || partition_records <= 0) return 0;
  const partition_rate_per_ms = (rate_per_second * partition_records) / total_records / 1000;
  return Math.max(0, Math.min(partition_records, Math.floor(now_ms * partition_rate_per_ms)));
}

/** A time by which every record is visible. */
export function production_end_ms(total_records: number, rate_per_second: number): number {
  return Math.ceil((total_records / rate_per_second) * 1000) + 1;
}

export class PacedBroker implements EngineNode {
  readonly broker: LogBroker;
  private readonly total_records: number;

  constructor(
    private readonly runtime: Runtime,
    broker_config: LogBrokerConfig,
    private readonly pacing: PacingConfig,
  ) {
    if (!(pacing.rate_per_second > 0)) throw new Error('rate_per_second must be > 0');
    this.broker = createLogBroker(broker_config)(runtime);
    let total = 0;
    for (const counts of pacing.partition_records.values()) for (const count of counts) total += count;
    this.total_records = total;
  }

  /** Input records produced so far (visible to fetches), per `topic#partition`. */
  produced_records(now_ms: number): Map<string, number> {
    const produced = new Map<string, number>();
    for (const [topic, counts] of this.pacing.partition_records) {
      counts.forEach((count, partition) => produced.set(`${topic}#${partition}`, visible_records(count, this.total_records, this.pacing.rate_per_second, now_ms)));
    }
    return produced;
  }

  on_start(): void {
    this.broker.on_start();
  }

  on_timer(tag: unknown): void {
    this.broker.on_timer(tag);
  }

  on_message(from: NodeId, message: unknown): void {
    const request = message as BrokerRequest;
    if (request?.type === 'broker.fetch') {
      const count = this.pacing.partition_records.get(request.topic)?.[request.partition];
      if (count !== undefined) {
        const visible = visible_records(count, this.total_records, this.pacing.rate_per_second, this.runtime.now_ms());
        if (request.offset >= visible && request.offset <= count && visible < count) {
          // Nothing produced past this offset yet: an empty reply, with the produced end as the end offset.
          this.runtime.send(from, fetch_result(request, [], visible));
          return;
        }
        if (request.offset < visible) {
          this.broker.fetch(from, request, Math.min(request.max_records, visible - request.offset));
          return;
        }
      }
    }
    this.broker.on_message(from, message);
  }
}

export function createPacedBroker(config: LogBrokerConfig, pacing: PacingConfig): (runtime: Runtime) => PacedBroker {
  return (runtime) => new PacedBroker(runtime, config, pacing);
}
