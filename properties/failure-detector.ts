// The failure-detector property: the heartbeat detector declares lost exactly the processes it should. A TaskManager
// that stays dead or silent (crashed, paused, cut off from the leading JobManager) is declared lost within the
// heartbeat timeout plus one heartbeat interval (plus the network's worst latency, scaled by clock drift); a
// TaskManager that stayed reachable and responsive — no fault touched it, the JobManager or the link between them for
// a whole timeout — is never declared lost, and a TaskManager never declares a responsive leader silent (with HA: one
// whose lease the HA store keeps renewing).
import type { FaultSummary } from '../scenarios/result-format.js';
import type { EngineLogEvent, RunObserver } from '../scenarios/run/observer.js';

export interface DetectorEvent {
  time_ms: number;
  node: string;
  event: 'registered' | 'lost' | 'leader' | 'terminal' | 'jm_silent';
  /** The TaskManager registered or lost (registered, lost). */
  tm?: string;
  incarnation?: number;
}

const MAX_DETECTOR_EVENTS = 20_000;

/** Collects what the detector did while the run runs. */
export class DetectorLog {
  readonly events: DetectorEvent[] = [];

  attach(observer: RunObserver): void {
    const push = (event: EngineLogEvent, kind: DetectorEvent['event'], extra: Partial<DetectorEvent> = {}): void => {
      if (event.node === undefined || this.events.length >= MAX_DETECTOR_EVENTS) return;
      this.events.push({ time_ms: event.time_ms, node: event.node, event: kind, ...extra });
    };
    observer.on('jm.tm_registered', (event) => push(event, 'registered', { tm: String(event.fields['tm']), incarnation: Number(event.fields['incarnation'] ?? 0) }));
    observer.on('jm.tm_lost', (event) => push(event, 'lost', { tm: String(event.fields['tm']) }));
    observer.on('jm.leader', (event) => push(event, 'leader'));
    observer.on('tm.job_manager_silent', (event) => push(event, 'jm_silent'));
    observer.on('job.status', (event) => {
      const status = event.fields['status'];
      if (status === 'FINISHED' || status === 'FAILED' || status === 'CANCELED') push(event, 'terminal');
    });
  }
}

export interface DetectorConfig {
  heartbeat_interval_ms: number;
  heartbeat_timeout_ms: number;
  /** Worst one-way message latency the network model allows (ms). */
  max_latency_ms: number;
  /** With HA, the JobManager ids (leader changes are in the log); without, ['jm']. */
  job_managers: readonly string[];
  /** With HA, the HA store process whose answers renew the leader's lease (default 'ha'). */
  ha_store?: string;
  /** When the liveness phase healed every fault (undefined: never). */
  healed_ms: number | undefined;
  end_ms: number;
}

export interface DetectorFinding {
  message: string;
  time_ms: number;
  detail: Record<string, unknown>;
}

interface Interval {
  start_ms: number;
  end_ms: number;
  why: string;
}

function parse_detail(fault: FaultSummary): Record<string, unknown> {
  try {
    return fault.detail === undefined ? {} : (JSON.parse(fault.detail) as Record<string, unknown>);
  } catch {
    return {};
  }
}

/** Intervals during which `process` is down or paused (its own faults). */
function process_down(faults: readonly FaultSummary[], process: string, heal_ms: number): Interval[] {
  const out: Interval[] = [];
  let crashed_at: number | undefined;
  for (const fault of faults) {
    if (fault.target !== process) continue;
    if (fault.kind === 'crash' && crashed_at === undefined) crashed_at = fault.time_ms;
    else if (fault.kind === 'restart' && crashed_at !== undefined) {
      out.push({ start_ms: crashed_at, end_ms: fault.time_ms + Number(parse_detail(fault)['after_ms'] ?? 0), why: `${process} crashed` });
      crashed_at = undefined;
    } else if (fault.kind === 'pause') {
      const duration = Number(parse_detail(fault)['duration_ms'] ?? 0);
      out.push({ start_ms: fault.time_ms, end_ms: Math.min(heal_ms, fault.time_ms + duration), why: `${process} paused for ${duration} ms` });
    }
  }
  if (crashed_at !== undefined) out.push({ start_ms: crashed_at, end_ms: heal_ms, why: `${process} crashed` });
  return out;
}

/**
 * Intervals during which messages between a and b may be dropped: partitions and link breaks. `silencing_b` keeps only
 * the cuts that silence b towards a (a one-way partition a→b does not: b still sends, e.g. its re-registrations).
 */
function link_cut(faults: readonly FaultSummary[], a: string, b: string, heal_ms: number, silencing_b = false): Interval[] {
  const out: Interval[] = [];
  for (const fault of faults) {
    const detail = parse_detail(fault);
    const until = (duration: unknown): number => Math.min(heal_ms, typeof duration === 'number' ? fault.time_ms + duration : heal_ms);
    switch (fault.kind) {
      case 'partition_isolate':
        if (detail['target'] === a || detail['target'] === b) out.push({ start_ms: fault.time_ms, end_ms: until(detail['duration_ms']), why: `${String(detail['target'])} isolated` });
        break;
      case 'partition_split': {
        const groups = (detail['groups'] as string[][] | undefined) ?? [];
        const ga = groups.findIndex((g) => g.includes(a));
        const gb = groups.findIndex((g) => g.includes(b));
        if (ga >= 0 && gb >= 0 && ga !== gb) out.push({ start_ms: fault.time_ms, end_ms: until(detail['duration_ms']), why: `${a} and ${b} partitioned` });
        break;
      }
      case 'partition_one_way':
        if ((!silencing_b && detail['from'] === a && detail['to'] === b) || (detail['from'] === b && detail['to'] === a)) {
          out.push({ start_ms: fault.time_ms, end_ms: until(detail['duration_ms']), why: `one-way partition ${String(detail['from'])}→${String(detail['to'])}` });
        }
        break;
      case 'link_break':
        // In-flight messages are lost at the instant of the break: at most one heartbeat round.
        if ((detail['a'] === a && detail['b'] === b) || (detail['a'] === b && detail['b'] === a)) out.push({ start_ms: fault.time_ms, end_ms: fault.time_ms, why: `link ${a}↔${b} broke` });
        break;
      default:
        break;
    }
  }
  return out;
}

/** Intervals during which the disk of `process` fails reads and writes (io_error, unavailable). */
function ha_disk_failing(faults: readonly FaultSummary[], process: string, heal_ms: number): Interval[] {
  return faults
    .filter((fault) => (fault.kind === 'storage_io_error' || fault.kind === 'storage_unavailable') && fault.target.startsWith(`disk/${process}:`))
    .map((fault) => {
      const duration = Number(parse_detail(fault)['duration_ms'] ?? Number.POSITIVE_INFINITY);
      return { start_ms: fault.time_ms, end_ms: Math.min(heal_ms, fault.time_ms + duration), why: `${process}'s disk failing` };
    });
}

/** Clock faults on a process (offsets make its wall clock jump; drift scales its timers). */
function clock_faults(faults: readonly FaultSummary[], process: string): { time_ms: number; offset: boolean; drift_ppm: number }[] {
  return faults
    .filter((fault) => (fault.kind === 'clock_offset' || fault.kind === 'clock_drift') && fault.target === process)
    .map((fault) => ({ time_ms: fault.time_ms, offset: fault.kind === 'clock_offset', drift_ppm: Number(parse_detail(fault)['drift_ppm'] ?? 0) }));
}

/** Merges overlapping or touching intervals. */
function merge(intervals: Interval[]): Interval[] {
  const sorted = [...intervals].sort((x, y) => x.start_ms - y.start_ms);
  const out: Interval[] = [];
  for (const interval of sorted) {
    const last = out[out.length - 1];
    if (last !== undefined && interval.start_ms <= last.end_ms) {
      if (interval.end_ms > last.end_ms) last.end_ms = interval.end_ms;
      if (!last.why.includes(interval.why)) last.why = `${last.why}; ${interval.why}`;
    } else out.push({ ...interval });
  }
  return out;
}

const overlaps = (intervals: readonly Interval[], from_ms: number, to_ms: number): boolean => intervals.some((i) => i.start_ms <= to_ms && i.end_ms >= from_ms);

/**
 * Judges the detector over one run. `faults`: the faults the world applied; `log`: the detector's events. Returns
 * the checks made and the findings (missed or late detections, false detections).
 */
export function judge_failure_detector(config: DetectorConfig, faults: readonly FaultSummary[], log: readonly DetectorEvent[], task_managers: readonly string[]): { checks: number; findings: DetectorFinding[]; notes: string[] } {
  const findings: DetectorFinding[] = [];
  const notes: string[] = [];
  let checks = 0;
  const T = config.heartbeat_timeout_ms;
  const I = config.heartbeat_interval_ms;
  const heal_ms = config.healed_ms ?? config.end_ms;
  const ha = config.job_managers.length > 1;
  // Drift scales every timer of the drifting process; take the worst drift any JobManager or TaskManager has.
  const worst_drift = Math.max(0, ...faults.filter((f) => f.kind === 'clock_drift').map((f) => Math.abs(Number(parse_detail(f)['drift_ppm'] ?? 0)) / 1e6));
  const slow = 1 / Math.max(0.01, 1 - worst_drift);
  const fast = 1 / (1 + worst_drift);
  const deadline_after_silence = (T + I) * slow + 2 * config.max_latency_ms + 1;
  // Heartbeat responses of a responsive TaskManager arrive at most I + 2 × latency apart: a timeout longer than that
  // (on the slowest drifting clock) never expires for it.
  const false_positive_checkable = (I * slow + 2 * config.max_latency_ms) < T * fast;
  if (!false_positive_checkable) notes.push(`false detections not judged: heartbeats may be ${Math.round(I + 2 * config.max_latency_ms)} ms apart on this network, beyond the ${T} ms timeout`);

  // Who leads, when (without HA: jm, from the start, while alive).
  const leader_at = (time_ms: number): string | undefined => {
    if (!ha) return 'jm';
    let leader: string | undefined;
    for (const e of log) {
      if (e.time_ms > time_ms) break;
      if (e.event === 'leader') leader = e.node;
    }
    return leader;
  };
  const terminal_ms = Math.min(...log.filter((e) => e.event === 'terminal').map((e) => e.time_ms), Number.POSITIVE_INFINITY);
  // With HA a leader works only while its lease is renewed (Flink: while its ZooKeeper session or Kubernetes lease
  // lives): from a heartbeat timeout after its HA store stopped answering it (crashed, cut off, its disk failing
  // reads at a reload) until a renewal after the store answers again — a pending read's timeout, the next read and
  // its round trip later — it holds its heartbeats, and that is no false detection.
  const ha_store = config.ha_store ?? 'ha';
  const lease_lapses = (jm: string): Interval[] =>
    merge([
      ...process_down(faults, ha_store, heal_ms),
      ...link_cut(faults, jm, ha_store, heal_ms),
      ...ha_disk_failing(faults, ha_store, heal_ms),
    ]).map((i) => ({ start_ms: i.start_ms + T * fast, end_ms: i.end_ms + (2 * T + I) * slow + 2 * config.max_latency_ms, why: `${jm}'s lease lapsed (${i.why})` }));
  const jm_down = new Map(config.job_managers.map((jm) => [jm, merge([...process_down(faults, jm, heal_ms), ...(ha ? lease_lapses(jm) : [])])]));
  const jm_clock_jumps = new Map(config.job_managers.map((jm) => [jm, clock_faults(faults, jm).filter((c) => c.offset)]));

  for (const tm of task_managers) {
    for (const jm of config.job_managers) {
      const silent = merge([...process_down(faults, tm, heal_ms), ...link_cut(faults, jm, tm, heal_ms, true)]);
      const disturbed = merge([...process_down(faults, tm, heal_ms), ...link_cut(faults, jm, tm, heal_ms)]);
      const jm_unwell = jm_down.get(jm) ?? [];
      // 1. Dead or silent past the timeout: declared lost in time.
      for (const interval of silent) {
        const deadline = interval.start_ms + deadline_after_silence;
        if (interval.end_ms <= deadline || deadline >= terminal_ms || deadline >= heal_ms) continue;
        if (leader_at(interval.start_ms) !== jm || leader_at(deadline) !== jm || (ha && log.some((e) => e.event === 'leader' && e.time_ms > interval.start_ms && e.time_ms <= deadline))) continue;
        if (overlaps(jm_unwell, interval.start_ms, deadline)) continue;
        // The TaskManager must be registered with this JobManager when it went silent (else nothing monitors it).
        const before = log.filter((e) => e.node === jm && e.tm === tm && e.time_ms <= interval.start_ms && (e.event === 'registered' || e.event === 'lost'));
        const registration = [...log].reverse().find((e) => e.node === jm && e.event === 'leader' && e.time_ms <= interval.start_ms);
        const last = before[before.length - 1];
        if (last === undefined || last.event !== 'registered' || (registration !== undefined && last.time_ms < registration.time_ms)) continue;
        checks++;
        const noticed = log.find((e) => e.node === jm && e.tm === tm && (e.event === 'lost' || e.event === 'registered') && e.time_ms > interval.start_ms && e.time_ms <= deadline);
        if (noticed === undefined) {
          const declared = log.find((e) => e.node === jm && e.tm === tm && e.event === 'lost' && e.time_ms > interval.start_ms);
          findings.push({
            message:
              `${tm} went silent at ${round(interval.start_ms)} ms (${interval.why}) and stayed so until ${round(interval.end_ms)} ms, but ${jm} ` +
              `${declared === undefined ? 'never declared it lost' : `declared it lost only at ${round(declared.time_ms)} ms`}: the heartbeat timeout ${T} ms plus one interval ${I} ms ends at ${round(deadline)} ms`,
            time_ms: deadline,
            detail: { tm, job_manager: jm, silent_from_ms: interval.start_ms, silent_until_ms: interval.end_ms, why: interval.why, deadline_ms: deadline, declared_ms: declared?.time_ms ?? null },
          });
        }
      }
      // 2. Responsive for a whole timeout: never declared lost.
      if (!false_positive_checkable) continue;
      for (const [index, lost] of log.entries()) {
        if (lost.event !== 'lost' || lost.node !== jm || lost.tm !== tm) continue;
        // Registering sets "last heard" to now, so a TaskManager registered more recently than a timeout ago cannot be
        // silent past it either: the window starts at its registration (the last one logged before the loss), or a
        // timeout (and a round) before the loss.
        const registration = log.slice(0, index).reverse().find((e) => e.node === jm && e.tm === tm && e.event === 'registered');
        if (registration === undefined) continue;
        const window_start = Math.max(registration.time_ms, lost.time_ms - T * slow - I * slow - config.max_latency_ms);
        if (ha && log.some((e) => e.event === 'leader' && e.time_ms > window_start && e.time_ms <= lost.time_ms)) continue;
        if (overlaps(disturbed, window_start, lost.time_ms) || overlaps(jm_down.get(jm) ?? [], window_start, lost.time_ms)) continue;
        checks++;
        const jump = (jm_clock_jumps.get(jm) ?? []).find((c) => c.time_ms >= window_start && c.time_ms <= lost.time_ms);
        findings.push({
          message:
            `${jm} declared ${tm} lost at ${round(lost.time_ms)} ms although both were up and connected since ${round(window_start)} ms ` +
            `(${window_start === registration.time_ms ? `when ${tm} registered, ${round(lost.time_ms - window_start)} ms before: less than` : 'longer than'} the ${T} ms heartbeat timeout)` +
            `${jump !== undefined ? `; ${jm}'s clock jumped at ${round(jump.time_ms)} ms, which a heartbeat timeout must survive` : ''}`,
          time_ms: lost.time_ms,
          detail: { tm, job_manager: jm, declared_ms: lost.time_ms, responsive_since_ms: window_start, clock_jump_ms: jump?.time_ms ?? null },
        });
      }
    }
    // 3. A TaskManager never declares a responsive leader silent (while the leader runs the job).
    if (!false_positive_checkable) continue;
    for (const silent_event of log.filter((e) => e.event === 'jm_silent' && e.node === tm)) {
      const jm = leader_at(silent_event.time_ms);
      if (jm === undefined || silent_event.time_ms >= terminal_ms) continue;
      const window_start = silent_event.time_ms - T * slow - I * slow - config.max_latency_ms;
      if (window_start < 0) continue;
      const registered_throughout =
        log.some((e) => e.node === jm && e.tm === tm && e.event === 'registered' && e.time_ms <= window_start) &&
        !log.some((e) => e.node === jm && e.tm === tm && (e.event === 'lost' || e.event === 'registered') && e.time_ms > window_start && e.time_ms <= silent_event.time_ms);
      if (!registered_throughout) continue;
      if (ha && log.some((e) => e.event === 'leader' && e.time_ms > window_start - T && e.time_ms <= silent_event.time_ms)) continue;
      const disturbed = merge([...process_down(faults, tm, heal_ms), ...(jm_down.get(jm) ?? []), ...link_cut(faults, tm, jm, heal_ms)]);
      if (overlaps(disturbed, window_start, silent_event.time_ms) || clock_faults(faults, tm).some((c) => c.offset && c.time_ms >= window_start && c.time_ms <= silent_event.time_ms)) continue;
      checks++;
      findings.push({
        message: `${tm} declared the JobManager ${jm} silent at ${round(silent_event.time_ms)} ms although both were up and connected since ${round(window_start)} ms (longer than the ${T} ms heartbeat timeout)`,
        time_ms: silent_event.time_ms,
        detail: { tm, job_manager: jm, declared_ms: silent_event.time_ms, responsive_since_ms: window_start },
      });
    }
  }
  return { checks, findings, notes };
}

function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}
