// The window operator in a task: a keyed operator whose elements and timers go through WindowLogic, with the
// window function's life cycle (open/close/operator state) and, after a restore, the merging window sets as the
// checkpoint held them (a test-only seam can rewrite them: a planted bug).
import type { GraphNode, NodeOperator } from '../../../graph/job-graph.js';
import type { InternalTimer, TimeDomain } from '../../../state/keyed-state.js';
import { KeyedOperator, TimestampedCollector, type OperatorEnvironment } from '../../operator-base.js';
import { UserFunction } from '../user-function.js';
import { MERGING_WINDOWS_STATE, type WindowMapping } from './merging-window-set.js';
import { WindowLogic, type WindowHost } from './window-logic.js';

export class WindowOperator extends KeyedOperator {
  private readonly logic: WindowLogic;
  private readonly collector = new TimestampedCollector(this, this.env);
  private restored = false;

  constructor(node: GraphNode, env: OperatorEnvironment, operator: Extract<NodeOperator, { kind: 'window' }>) {
    super(node, env, operator.key_selector);
    const host: WindowHost = {
      key_context: this.key_context,
      store: this.store,
      backend: this.keyed_backend,
      currentWatermark: () => this.current_watermark_ms,
      currentProcessingTime: () => env.now_ms(),
      registerTimer: (domain, timestamp_ms, namespace) => this.registerTimer(domain, timestamp_ms, namespace),
      deleteTimer: (domain, timestamp_ms, namespace) => this.deleteTimer(domain, timestamp_ms, namespace),
      resetOutput: (timestamp_ms) => this.collector.reset(timestamp_ms),
      collect: (value) => this.collector.collect(value),
      collectSide: (tag_id, value) => this.collector.collectSide(tag_id, value),
      probe: (name) => env.probe?.(name),
      restored: () => this.restored,
      ...(env.seams?.late_data !== undefined ? { late_data_seam: env.seams.late_data } : {}),
    };
    this.logic = new WindowLogic(operator, host);
    const fn = this.logic.user_function;
    if (fn !== undefined) this.udf = UserFunction.forOperator(fn, node, env, this.subtaskInfo(), this.store);
  }

  get dropped_late_records(): number {
    return this.logic.dropped_late_records;
  }

  processElement(value: unknown, timestamp_ms: number): void {
    this.setKeyFromRecord(value);
    this.logic.processElement(value, timestamp_ms);
  }

  protected onTimer(domain: TimeDomain, timer: InternalTimer): void {
    this.logic.onTimer(domain, timer.timestamp_ms, timer.namespace);
  }

  override onRestored(): void {
    const backend = this.keyed_backend;
    const rewrite = this.env.seams?.merging_windows_restored;
    let restored_sets = 0;
    for (let kg = this.env.key_group_range.start; kg <= this.env.key_group_range.end; kg++) {
      for (const entry of [...backend.entries(MERGING_WINDOWS_STATE, kg)]) {
        restored_sets++;
        if (rewrite !== undefined) backend.put(MERGING_WINDOWS_STATE, kg, entry.key, entry.namespace, rewrite(entry.value as WindowMapping));
      }
    }
    if (restored_sets > 0) this.env.probe?.('window.merging_set_restored');
    this.restored = true;
    super.onRestored();
  }
}
