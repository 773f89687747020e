// Evidence for a failed output check, in terms a person can act on: per key, the first position where the delivered
// output leaves the oracle's sequence (with the records around it on both sides); the lost, duplicated and unexpected
// records by id (counted and sampled); and for each group of them the transaction, checkpoint and attempt they belong
// to and the fault injected before. Pure functions over the output, the oracle's output and the run's output ledger.
import type { FaultBefore, FaultSummary, KeyDivergence, OutputEvidence, RecordIdSample, RecordOrigin } from '../scenarios/result-format.js';
import type { AttemptStart, DroppedTransaction, OutputStretch } from '../scenarios/run/output-ledger.js';
import { format_count, format_ms } from '../scenarios/units.js';

/** Ids listed per sample, at most (ranges count as one). */
export const MAX_SAMPLED_RECORD_IDS = 10;
/** Keys whose first differing position is shown, at most. */
export const MAX_DIVERGENCES = 5;
/** Origins (transactions) listed per kind of damage, at most. */
export const MAX_ORIGINS = 6;
/** Records shown on each side of a key's first differing position. */
export const DIVERGENCE_CONTEXT = 3;

/** What the run recorded about where output came from (scenarios/run/output-ledger.ts); absent in plain comparisons. */
export interface LedgerView {
  stretch_at(index: number): OutputStretch | undefined;
  readonly dropped: readonly DroppedTransaction[];
  readonly attempts: readonly AttemptStart[];
}

export interface EvidenceInput {
  /** The oracle's output per key, in order. */
  expected_by_key: ReadonlyMap<string, readonly unknown[]>;
  /** The delivered output, in commit order. */
  output: readonly unknown[];
  key_of: (record: unknown) => string;
  ledger?: LedgerView;
  faults: readonly FaultSummary[];
  /** Output taken during the run: records the oracle emits later in a key's sequence are not lost (yet). */
  so_far?: boolean;
}

interface PositionedRecord {
  key: string;
  /** 0-based position in the key's oracle sequence. */
  position: number;
}

interface LostRecord extends PositionedRecord {
  text: string;
  /** Output index of the next delivered record of the same key (the gap's end), if any. */
  next_output_index: number | undefined;
}

interface DuplicatedRecord extends PositionedRecord {
  output_index: number;
  first_output_index: number;
}

/** `key#n` for a 0-based position. */
export function record_id(key: string, position: number): string {
  return `${key}#${position + 1}`;
}

/** Ids of positioned records, sorted by key and position, with runs of consecutive positions merged: `w3#17-25`. */
export function record_id_sample(records: readonly PositionedRecord[], max_ids = MAX_SAMPLED_RECORD_IDS): RecordIdSample {
  const sorted = [...records].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.position - b.position));
  const ids: string[] = [];
  let index = 0;
  while (index < sorted.length && ids.length < max_ids) {
    const first = sorted[index] as PositionedRecord;
    let last = first;
    while (index + 1 < sorted.length) {
      const next = sorted[index + 1] as PositionedRecord;
      if (next.key !== first.key || next.position > last.position + 1) break;
      last = next;
      index++;
    }
    ids.push(last.position === first.position ? record_id(first.key, first.position) : `${record_id(first.key, first.position)}-${last.position + 1}`);
    index++;
  }
  return { count: records.length, ids };
}

function json(value: unknown): string {
  return JSON.stringify(value) ?? 'undefined';
}

/** Entries of the fault list that end a fault rather than start one. */
const HEALING_KINDS: ReadonlySet<string> = new Set(['restart', 'heal']);

/** The last fault injected at or before `time_ms` (restarts and heals end faults; they are not one). */
export function fault_before(faults: readonly FaultSummary[], time_ms: number): FaultBefore | null {
  let found: FaultSummary | undefined;
  for (const fault of faults) if (fault.time_ms <= time_ms && !HEALING_KINDS.has(fault.kind)) found = fault;
  return found === undefined ? null : { time_ms: found.time_ms, kind: found.kind, target: found.target };
}

/** Compares one key's delivered records with the oracle's, matching equal records in order. */
function compare_key(
  key: string,
  want: readonly unknown[],
  got: readonly { record: unknown; output_index: number }[],
  so_far: boolean,
  lost: LostRecord[],
  duplicated: DuplicatedRecord[],
  unexpected: PositionedRecord[],
): KeyDivergence | undefined {
  const want_texts = want.map(json);
  const positions_by_text = new Map<string, number[]>();
  want_texts.forEach((text, position) => {
    const list = positions_by_text.get(text);
    if (list === undefined) positions_by_text.set(text, [position]);
    else list.push(position);
  });
  const used_by_text = new Map<string, number>();
  const matched_output_index = new Map<number, number>();
  let divergence_index: number | undefined;
  let last_matched_position = -1;
  got.forEach(({ record, output_index }, index) => {
    const text = json(record);
    if (divergence_index === undefined && want_texts[index] !== text) divergence_index = index;
    const positions = positions_by_text.get(text);
    if (positions === undefined) {
      unexpected.push({ key, position: index });
      return;
    }
    const used = used_by_text.get(text) ?? 0;
    if (used < positions.length) {
      const position = positions[used] as number;
      used_by_text.set(text, used + 1);
      matched_output_index.set(position, output_index);
      last_matched_position = Math.max(last_matched_position, position);
      return;
    }
    const position = positions[positions.length - 1] as number;
    duplicated.push({ key, position, output_index, first_output_index: matched_output_index.get(position) ?? output_index });
  });
  if (divergence_index === undefined && got.length < want.length && !so_far) divergence_index = got.length;
  // Lost: oracle positions never delivered (so far: only those before a later position that was delivered).
  const lost_limit = so_far ? last_matched_position : want.length - 1;
  let next_delivered: number | undefined;
  for (let position = want.length - 1; position >= 0; position--) {
    const delivered_at = matched_output_index.get(position);
    if (delivered_at !== undefined) {
      next_delivered = delivered_at;
      continue;
    }
    if (position <= lost_limit) lost.push({ key, position, text: want_texts[position] as string, next_output_index: next_delivered });
  }
  if (divergence_index === undefined) return undefined;
  const from = Math.max(0, divergence_index - DIVERGENCE_CONTEXT);
  const divergence: KeyDivergence = {
    key,
    position: divergence_index + 1,
    expected: { first_position: from + 1, records: want.slice(from, divergence_index + DIVERGENCE_CONTEXT + 1) },
    actual: { first_position: from + 1, records: got.slice(from, divergence_index + DIVERGENCE_CONTEXT + 1).map((entry) => entry.record) },
  };
  const differing = got[divergence_index];
  if (differing !== undefined) divergence.committed_ms = differing.output_index;
  return divergence;
}

/** A stretch's origin in words: `txn t (checkpoint c, attempt a)`. */
function stretch_origin(stretch: OutputStretch | undefined): string {
  if (stretch === undefined) return 'the sink';
  const parts = [stretch.checkpoint_id === null ? undefined : `checkpoint ${stretch.checkpoint_id}`, `attempt ${stretch.attempt}`].filter((part) => part !== undefined);
  return `${stretch.txn_id === null ? 'the sink' : `transaction ${stretch.txn_id}`} (${parts.join(', ')})`;
}

/** `, restored from checkpoint n` for an attempt that restored one. */
function restored_from(ledger: LedgerView | undefined, attempt: number | null): string {
  const restored = attempt === null ? undefined : ledger?.attempts.find((entry) => entry.attempt === attempt)?.restored_checkpoint_id;
  return typeof restored === 'number' ? `, restored from checkpoint ${restored}` : '';
}

function attempt_started_ms(ledger: LedgerView | undefined, attempt: number): number | undefined {
  return ledger?.attempts.find((entry) => entry.attempt === attempt)?.time_ms;
}

/** Groups lost records by the transaction that held them (or by the attempt that delivered past them). */
function lost_origins(lost: readonly LostRecord[], input: EvidenceInput): RecordOrigin[] {
  const ledger = input.ledger;
  const holder_by_text = new Map<string, DroppedTransaction>();
  for (const dropped of ledger?.dropped ?? []) {
    for (const record of dropped.records) {
      const text = json(record);
      const known = holder_by_text.get(text);
      // Prefer the transaction whose commit was refused, then a prepared one, then the latest.
      const rank = (txn: DroppedTransaction): number => (txn.commit_failed_ms !== null ? 2 : txn.state_when_dropped === 'prepared' ? 1 : 0);
      if (known === undefined || rank(dropped) >= rank(known)) holder_by_text.set(text, dropped);
    }
  }
  const groups = new Map<string, { origin: Omit<RecordOrigin, 'records'>; records: LostRecord[] }>();
  for (const record of lost) {
    const holder = holder_by_text.get(record.text);
    let group_key: string;
    let origin: Omit<RecordOrigin, 'records'>;
    if (holder !== undefined) {
      group_key = `txn:${holder.txn_id}`;
      const timeout = holder.timeout_ms === null ? '' : ` (its ${format_ms(holder.timeout_ms)} timeout ran out ${format_ms(holder.dropped_ms - holder.begin_ms)} after it began at ${format_ms(holder.begin_ms)})`;
      const refused =
        holder.commit_failed_ms === null
          ? holder.state_when_dropped === 'prepared'
            ? '; nothing committed it before that'
            : ''
          : `; the restored sink's commit at ${format_ms(holder.commit_failed_ms)} (attempt ${holder.commit_failed_attempt ?? '?'}${restored_from(ledger, holder.commit_failed_attempt)}) was refused`;
      origin = {
        txn_id: holder.txn_id,
        checkpoint_id: holder.checkpoint_id,
        attempt: holder.attempt,
        what:
          `${holder.state_when_dropped === 'prepared' ? `pre-committed${holder.checkpoint_id === null ? '' : ` for checkpoint ${holder.checkpoint_id}`}, then` : 'open, then'} ` +
          `expired by the store at ${format_ms(holder.dropped_ms)}${timeout}${refused}`,
        time_ms: holder.dropped_ms,
        fault_before: fault_before(input.faults, holder.dropped_ms),
      };
    } else {
      const closing = record.next_output_index === undefined ? undefined : ledger?.stretch_at(record.next_output_index);
      group_key = closing === undefined ? 'never' : `gap:${closing.attempt}`;
      origin =
        closing === undefined
          ? {
              txn_id: null,
              checkpoint_id: null,
              attempt: null,
              what: 'never delivered, and no expired or failed transaction held them',
              time_ms: 0,
              fault_before: null,
            }
          : {
              txn_id: null,
              checkpoint_id: null,
              attempt: closing.attempt,
              what: `skipped: no transaction held them, and later records of their keys were committed from ${format_ms(closing.time_ms)} by ${stretch_origin(closing)}`,
              time_ms: closing.time_ms,
              fault_before: fault_before(input.faults, attempt_started_ms(ledger, closing.attempt) ?? closing.time_ms),
            };
    }
    let group = groups.get(group_key);
    if (group === undefined) {
      group = { origin, records: [] };
      groups.set(group_key, group);
    } else if (origin.time_ms < group.origin.time_ms && origin.txn_id === null && origin.attempt !== null) {
      group.origin = origin;
    }
    group.records.push(record);
  }
  return [...groups.values()]
    .sort((a, b) => b.records.length - a.records.length || a.origin.time_ms - b.origin.time_ms)
    .slice(0, MAX_ORIGINS)
    .map((group) => ({ ...group.origin, records: record_id_sample(group.records) }));
}

/** Groups duplicated records by the pair of commits that delivered them twice. */
function duplicated_origins(duplicated: readonly DuplicatedRecord[], input: EvidenceInput): RecordOrigin[] {
  const ledger = input.ledger;
  const groups = new Map<string, { origin: Omit<RecordOrigin, 'records'>; records: DuplicatedRecord[] }>();
  for (const record of duplicated) {
    const again = ledger?.stretch_at(record.output_index);
    const first = ledger?.stretch_at(record.first_output_index);
    const group_key = `${first?.txn_id ?? first?.attempt ?? '?'}|${again?.txn_id ?? again?.attempt ?? '?'}`;
    let group = groups.get(group_key);
    if (group === undefined) {
      const attempt_start = again === undefined || first === undefined || again.attempt === first.attempt ? undefined : attempt_started_ms(ledger, again.attempt);
      group = {
        origin: {
          txn_id: again?.txn_id ?? null,
          checkpoint_id: again?.checkpoint_id ?? null,
          attempt: again?.attempt ?? null,
          what:
            again === undefined || first === undefined
              ? 'delivered more often than the oracle emits them'
              : `committed at ${format_ms(first.time_ms)} by ${stretch_origin(first)}, and again at ${format_ms(again.time_ms)} by ${stretch_origin(again)}`,
          time_ms: again?.time_ms ?? 0,
          fault_before: again === undefined ? null : fault_before(input.faults, attempt_start ?? again.time_ms),
        },
        records: [],
      };
      groups.set(group_key, group);
    }
    group.records.push(record);
  }
  return [...groups.values()]
    .sort((a, b) => b.records.length - a.records.length || a.origin.time_ms - b.origin.time_ms)
    .slice(0, MAX_ORIGINS)
    .map((group) => ({ ...group.origin, records: record_id_sample(group.records) }));
}

/** The evidence of an output that is not exactly the oracle's (or, so far, not a per-key prefix of it). */
export function output_evidence(input: EvidenceInput): OutputEvidence {
  const delivered = new Map<string, { record: unknown; output_index: number }[]>();
  input.output.forEach((record, output_index) => {
    const key = input.key_of(record);
    const list = delivered.get(key);
    if (list === undefined) delivered.set(key, [{ record, output_index }]);
    else list.push({ record, output_index });
  });
  let expected_records = 0;
  for (const records of input.expected_by_key.values()) expected_records += records.length;
  const keys = [...new Set([...input.expected_by_key.keys(), ...delivered.keys()])].sort();
  const lost: LostRecord[] = [];
  const duplicated: DuplicatedRecord[] = [];
  const unexpected: PositionedRecord[] = [];
  const divergences: KeyDivergence[] = [];
  for (const key of keys) {
    const divergence = compare_key(key, input.expected_by_key.get(key) ?? [], delivered.get(key) ?? [], input.so_far === true, lost, duplicated, unexpected);
    if (divergence !== undefined) divergences.push(divergence);
  }
  // Earliest committed first; keys whose output just ends early after them, in key order. committed_ms holds the
  // output index until here.
  divergences.sort((a, b) => (a.committed_ms ?? Infinity) - (b.committed_ms ?? Infinity) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const shown = divergences.slice(0, MAX_DIVERGENCES).map((divergence) => {
    if (divergence.committed_ms === undefined) return divergence;
    const stretch = input.ledger?.stretch_at(divergence.committed_ms);
    const { committed_ms: _output_index, ...rest } = divergence;
    return stretch === undefined ? rest : { ...rest, committed_ms: stretch.time_ms };
  });
  return {
    expected_records,
    delivered_records: input.output.length,
    keys_differing: divergences.length,
    lost: { ...record_id_sample(lost), origins: lost_origins(lost, input) },
    duplicated: { ...record_id_sample(duplicated), origins: duplicated_origins(duplicated, input) },
    unexpected: record_id_sample(unexpected.map((record) => ({ key: record.key, position: record.position }))),
    divergences: shown,
  };
}

/** One line summing the evidence up: counts, the main origin of the damage, the first differing position. */
export function evidence_summary(evidence: OutputEvidence): string {
  const parts = [
    `${format_count(evidence.lost.count)} lost, ${format_count(evidence.duplicated.count)} duplicated and ${format_count(evidence.unexpected.count)} unexpected ` +
      `of the oracle's ${format_count(evidence.expected_records)} records`,
  ];
  const main_lost = evidence.lost.origins[0];
  if (main_lost !== undefined && main_lost.txn_id !== null) {
    const others = evidence.lost.origins.filter((origin) => origin.txn_id !== null).length - 1;
    parts.push(
      `lost ones (${main_lost.records.ids.slice(0, 2).join(', ')}, …) were in transaction ${main_lost.txn_id}` +
        `${main_lost.checkpoint_id === null ? '' : ` of checkpoint ${main_lost.checkpoint_id}`}${others > 0 ? ` and ${others} more` : ''}, expired by the store`,
    );
  } else if (evidence.lost.count > 0) {
    parts.push(`lost e.g. ${evidence.lost.ids.slice(0, 2).join(', ')}`);
  }
  const main_duplicated = evidence.duplicated.origins[0];
  if (main_duplicated !== undefined && main_duplicated.attempt !== null) {
    parts.push(`duplicates (${main_duplicated.records.ids.slice(0, 2).join(', ')}, …) committed again by attempt ${main_duplicated.attempt}`);
  } else if (evidence.duplicated.count > 0) {
    parts.push(`duplicated e.g. ${evidence.duplicated.ids.slice(0, 2).join(', ')}`);
  }
  return parts.join('; ');
}
