// map/filter/flatMap after keyBy (Flink's StreamMap etc. on a KeyedStream): the same operator with the record's key
// set before each call, so its rich function can use keyed state (e.g. Flink's CountWindowAverage example).
import type { NodeOperator, GraphNode } from '../../graph/job-graph.js';
import { KeyedOperator, type BaseOperator, type OperatorEnvironment } from '../operator-base.js';
import { createUdfOperator } from '../operators.js';

export class KeyedUdfOperator extends KeyedOperator {
  private readonly inner: BaseOperator;

  constructor(node: GraphNode, env: OperatorEnvironment, operator: Extract<NodeOperator, { kind: 'map' | 'filter' | 'flat_map' }>) {
    if (operator.key_selector === undefined) throw new Error('a keyed map/filter/flatMap needs its key selector');
    super(node, env, operator.key_selector);
    this.inner = createUdfOperator(node, env, operator, this.store);
  }

  override open(): void {
    this.inner.output = this.output;
    this.inner.open();
  }

  processElement(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    this.inner.processElement(value, timestamp_ms);
  }

  override snapshotState(checkpoint_id: number, timestamp_ms: number): void {
    this.inner.snapshotState(checkpoint_id, timestamp_ms);
    super.snapshotState(checkpoint_id, timestamp_ms);
  }

  override close(): void {
    this.inner.close();
  }

  protected onTimer(): void {}
}
