// Faults as intervals of virtual time, for shading plots: a crash lasts until its target restarts, a partition until
// the next heal, a fault with a duration for that long; the rest are instants. Restarts and heals only close intervals.
import type { FaultSummary } from '../scenarios/result-format.js';

export interface FaultInterval {
  kind: string;
  target: string;
  start_ms: number;
  end_ms: number;
  /** The fault had no end in the run (a crash never restarted, a partition never healed): it lasts to the run's end. */
  open_ended: boolean;
  /** An instant (a bit flip, a link break, a clock step): drawn as a thin band. */
  instant: boolean;
  label: string;
}

const CLOSERS = new Set(['restart', 'heal']);

function duration_of(detail: string | undefined): number | undefined {
  if (detail === undefined || !detail.startsWith('{')) return undefined;
  try {
    const parsed = JSON.parse(detail) as Record<string, unknown>;
    const duration = parsed['duration_ms'];
    return typeof duration === 'number' && duration > 0 ? duration : undefined;
  } catch {
    return undefined;
  }
}

function is_crash(kind: string): boolean {
  return kind === 'crash' || kind.endsWith('_crash');
}

function is_partition(kind: string): boolean {
  return kind.startsWith('partition') || kind.endsWith('_partition');
}

function seconds_text(ms: number): string {
  return `${Math.round(ms) / 1000} s`;
}

/** The faults of a run as intervals, in start order; `run_end_ms` closes the ones that never ended. */
export function fault_intervals(faults: readonly FaultSummary[], run_end_ms: number): FaultInterval[] {
  const ordered = [...faults].sort((a, b) => a.time_ms - b.time_ms);
  const intervals: FaultInterval[] = [];
  const close = (kind: string, target: string, start_ms: number, end_ms: number | undefined, detail: string | undefined, ending: string): void => {
    const end = end_ms ?? Math.max(start_ms, run_end_ms);
    const length = end - start_ms;
    intervals.push({
      kind,
      target,
      start_ms,
      end_ms: end,
      open_ended: end_ms === undefined,
      instant: false,
      label: `${kind} ${target} from ${seconds_text(start_ms)} for ${seconds_text(length)}${end_ms === undefined ? ` (${ending} before the run ended)` : ''}${detail === undefined ? '' : ` — ${detail}`}`,
    });
  };
  ordered.forEach((fault, index) => {
    if (CLOSERS.has(fault.kind)) {
      const opener = ordered.slice(0, index).some((earlier) => (fault.kind === 'restart' ? is_crash(earlier.kind) && earlier.target === fault.target : is_partition(earlier.kind)));
      if (!opener) intervals.push({ kind: fault.kind, target: fault.target, start_ms: fault.time_ms, end_ms: fault.time_ms, open_ended: false, instant: true, label: `${fault.kind} ${fault.target} at ${seconds_text(fault.time_ms)}` });
      return;
    }
    const duration = duration_of(fault.detail);
    if (duration !== undefined) return close(fault.kind, fault.target, fault.time_ms, fault.time_ms + duration, fault.detail, 'not over');
    const later = ordered.slice(index + 1);
    if (is_crash(fault.kind)) {
      const restart = later.find((candidate) => candidate.kind === 'restart' && candidate.target === fault.target);
      return close(fault.kind, fault.target, fault.time_ms, restart?.time_ms, fault.detail, 'not restarted');
    }
    if (is_partition(fault.kind)) {
      const heal = later.find((candidate) => candidate.kind === 'heal');
      return close(fault.kind, fault.target, fault.time_ms, heal?.time_ms, fault.detail, 'not healed');
    }
    intervals.push({
      kind: fault.kind,
      target: fault.target,
      start_ms: fault.time_ms,
      end_ms: fault.time_ms,
      open_ended: false,
      instant: true,
      label: `${fault.kind} ${fault.target} at ${seconds_text(fault.time_ms)}${fault.detail === undefined ? '' : ` — ${fault.detail}`}`,
    });
  });
  return intervals;
}
