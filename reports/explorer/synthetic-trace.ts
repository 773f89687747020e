// Synthetic trace generator for the explorer's tests and benchmark: a valid streamsim trace (header first, `end`
// last) with several processes, messages, checkpoints, faults, crashes, recoveries and one violation.
import * as fs from 'node:fs';
import { ENGINE_EVENTS, TRACE_FORMAT, TRACE_FORMAT_VERSION, type TraceRecord } from '../../sim/trace-format.js';

export interface SyntheticTraceOptions {
  path: string;
  /** Records between the header and the `end` record. */
  event_count: number;
  seed?: number;
  /** Write this many TaskManagers (tm-0 ... tm-{n-1}); default 3. */
  task_manager_count?: number;
  /** When set, the record at this seq gets an extra field so that two traces diverge there. */
  diverge_at_seq?: number;
}

export interface SyntheticTraceSummary {
  /** Lines written, header and end included. fault_seqs lists the `fault` records (not the crashes they cause). */
  line_count: number;
  fault_seqs: number[];
  checkpoint_seqs: number[];
  recovery_seqs: number[];
  violation_seqs: number[];
  last_time_ms: number;
}

/** mulberry32: a tiny seeded generator so the same options always write the same bytes. */
function seeded_random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const write_chunk_bytes = 1 << 20;

export function write_synthetic_trace(options: SyntheticTraceOptions): SyntheticTraceSummary {
  const random = seeded_random(options.seed ?? 1);
  const task_managers = Array.from({ length: options.task_manager_count ?? 3 }, (_, i) => `tm-${i}`);
  const nodes = ['jm', ...task_managers, 'broker', 'store'];
  const summary: SyntheticTraceSummary = {
    line_count: 0,
    fault_seqs: [],
    checkpoint_seqs: [],
    recovery_seqs: [],
    violation_seqs: [],
    last_time_ms: 0,
  };
  const fd = fs.openSync(options.path, 'w');
  let pending: string[] = [];
  let pending_chars = 0;
  let seq = 0;
  let time_ms = 0;
  const flush = (): void => {
    if (pending.length === 0) return;
    fs.writeSync(fd, pending.join(''));
    pending = [];
    pending_chars = 0;
  };
  const emit = (record: Omit<TraceRecord, 'seq' | 'time_ms'>): number => {
    const full: Record<string, unknown> = { seq, time_ms, ...record };
    if (seq === options.diverge_at_seq) full['divergent'] = true;
    const line = JSON.stringify(full) + '\n';
    pending.push(line);
    pending_chars += line.length;
    if (pending_chars >= write_chunk_bytes) flush();
    return seq++;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  try {
    emit({ kind: 'header', format: TRACE_FORMAT, version: TRACE_FORMAT_VERSION, seed: options.seed ?? 1, scenario: 'synthetic' });
    emit({ kind: 'phase', phase: 'safety' });
    for (const node of nodes) emit({ kind: 'start', node, incarnation: 0 });
    const incarnation = new Map<string, number>(nodes.map((node) => [node, 0]));
    let checkpoint_id = 0;
    let message_id = 0;
    let pending_restart: { node: string; at_count: number } | undefined;
    const violation_at = Math.floor(options.event_count * 0.7);
    const body_end = Math.max(seq, options.event_count - 1);
    while (seq < body_end) {
      time_ms += Math.floor(random() * 3);
      const remaining = body_end - seq;
      if (seq === violation_at && remaining >= 1) {
        summary.violation_seqs.push(emit({ kind: 'violation', property: 'exactly_once_state', message: 'count for key user-7 is 3, oracle says 2', key: 'user-7' }));
        continue;
      }
      if (pending_restart !== undefined && seq >= pending_restart.at_count && remaining >= 5) {
        const node = pending_restart.node;
        const next_incarnation = (incarnation.get(node) ?? 0) + 1;
        incarnation.set(node, next_incarnation);
        emit({ kind: 'start', node, incarnation: next_incarnation });
        summary.recovery_seqs.push(emit({ kind: 'log', node: 'jm', event: ENGINE_EVENTS.recovery_started, reason: `${node} lost`, attempt: 1 }));
        summary.recovery_seqs.push(emit({ kind: 'log', node: 'jm', event: ENGINE_EVENTS.recovery_restored, checkpoint_id: checkpoint_id > 0 ? checkpoint_id : null, skipped: [] }));
        summary.recovery_seqs.push(emit({ kind: 'log', node: 'jm', event: ENGINE_EVENTS.recovery_completed, detect_ms: 30, redeploy_ms: 12, load_state_ms: 4, reset_source_ms: 1, reset_sink_ms: 2 }));
        emit({ kind: 'log', node: 'jm', event: ENGINE_EVENTS.job_status, status: 'RUNNING', reason: 'recovered' });
        pending_restart = undefined;
        continue;
      }
      const roll = random();
      if (roll < 0.002 && remaining >= 6) {
        checkpoint_id += 1;
        summary.checkpoint_seqs.push(emit({ kind: 'log', node: 'jm', event: ENGINE_EVENTS.checkpoint_triggered, checkpoint_id, checkpoint_kind: 'checkpoint' }));
        for (const tm of task_managers) emit({ kind: 'send', from: 'jm', to: tm, msg: { type: 'barrier', id: ++message_id, checkpoint_id } });
        if (random() < 0.15) {
          summary.checkpoint_seqs.push(emit({ kind: 'log', node: 'jm', event: ENGINE_EVENTS.checkpoint_aborted, checkpoint_id, reason: 'timeout' }));
        } else {
          summary.checkpoint_seqs.push(emit({ kind: 'log', node: 'jm', event: ENGINE_EVENTS.checkpoint_completed, checkpoint_id, size_bytes: 4096 + Math.floor(random() * 4096), duration_ms: 40, alignment_ms: 5, persist_ms: 20, state: { keys: 120, operators: ['source', 'count', 'sink'] } }));
          emit({ kind: 'log', node: pick(task_managers), event: ENGINE_EVENTS.sink_committed, transaction: `txn-${checkpoint_id}`, checkpoint_id, records: 50 });
        }
        continue;
      }
      if (roll < 0.0025 && pending_restart === undefined && remaining >= 10) {
        const node = pick(task_managers);
        summary.fault_seqs.push(emit({ kind: 'fault', fault: 'crash', target: node, detail: 'nemesis' }));
        emit({ kind: 'crash', node });
        pending_restart = { node, at_count: seq + 20 };
        continue;
      }
      if (roll < 0.003 && remaining >= 2) {
        const [a, b] = [pick(nodes), pick(nodes)];
        summary.fault_seqs.push(emit({ kind: 'fault', fault: 'link_break', target: a, detail: `${a}<->${b}` }));
        emit({ kind: 'link_break', a, b });
        continue;
      }
      if (roll < 0.45) {
        const from = pick(nodes);
        const to = pick(nodes);
        emit({ kind: 'send', from, to, msg: { type: 'records', id: ++message_id, key: `user-${Math.floor(random() * 50)}`, count: 1 + Math.floor(random() * 8) } });
        continue;
      }
      if (roll < 0.85) {
        const from = pick(nodes);
        emit({ kind: 'deliver', from, to: pick(nodes), msg: { type: 'records', id: Math.max(1, message_id - Math.floor(random() * 5)), key: `user-${Math.floor(random() * 50)}` } });
        continue;
      }
      if (roll < 0.93) {
        emit({ kind: 'timer', node: pick(nodes), tag: 'heartbeat' });
        continue;
      }
      if (roll < 0.98) {
        emit({ kind: 'storage', node: 'store', store: 'checkpoints', op: 'write', key: `chk-${checkpoint_id}/part-${Math.floor(random() * 4)}`, ok: true, size_bytes: 512 });
        continue;
      }
      emit({ kind: 'probe', node: pick(task_managers), name: 'barrier.aligned' });
    }
    summary.last_time_ms = time_ms;
    emit({ kind: 'end', hash: 'synthetic', events: seq + 1 });
    flush();
  } finally {
    fs.closeSync(fd);
  }
  summary.line_count = seq;
  return summary;
}
