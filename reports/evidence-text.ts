// A violation's evidence as plain text lines, the same in the terminal, failure output, JUnit bodies and the HTML
// report: lost and duplicated record ids with the transaction, checkpoint, attempt and fault behind them, and each
// key's first differing position with the records around it on both sides. Times rounded, with units.
import type { OutputEvidence, RecordIdSample, RecordOrigin, Violation } from '../scenarios/result-format.js';
import { format_count, format_ms } from '../scenarios/units.js';

/** Characters of one window line, at most (longer windows end in …). */
const MAX_WINDOW_TEXT = 160;
/** Record ids listed per line and keys whose first differing position is shown, at most. */
const MAX_IDS_PER_LINE = 6;
const MAX_KEYS_SHOWN = 3;

function ids_text(sample: RecordIdSample): string {
  if (sample.count === 0) return 'none';
  const shown = sample.ids.slice(0, MAX_IDS_PER_LINE);
  return shown.join(', ') + (shown.length === sample.ids.length && sample_is_complete(sample) ? '' : ', …');
}

/** Whether the sampled ids name every record (ranges expanded). */
function sample_is_complete(sample: RecordIdSample): boolean {
  let named = 0;
  for (const id of sample.ids) {
    const range = /#(\d+)-(\d+)$/.exec(id);
    named += range === null ? 1 : Number(range[2]) - Number(range[1]) + 1;
  }
  return named >= sample.count;
}

function origin_label(origin: RecordOrigin): string {
  const facts = [origin.checkpoint_id === null ? undefined : `checkpoint ${origin.checkpoint_id}`, origin.attempt === null ? undefined : `attempt ${origin.attempt}`].filter(
    (fact): fact is string => fact !== undefined,
  );
  const name = origin.txn_id === null ? 'no transaction' : `transaction ${origin.txn_id}`;
  return facts.length === 0 ? name : `${name} (${facts.join(', ')})`;
}

function origin_lines(origin: RecordOrigin, indent: string): string[] {
  const lines = [`${indent}${format_count(origin.records.count)} in ${origin_label(origin)}: ${origin.what}`];
  const fault = origin.fault_before === null ? 'no fault before it' : `after ${origin.fault_before.kind} ${origin.fault_before.target} at ${format_ms(origin.fault_before.time_ms)}`;
  lines.push(`${indent}  records ${ids_text(origin.records)}; ${fault}`);
  return lines;
}

function window_text(records: readonly unknown[]): string {
  const text = JSON.stringify(records) ?? '[]';
  return text.length > MAX_WINDOW_TEXT ? `${text.slice(0, MAX_WINDOW_TEXT)}…` : text;
}

function range(first: number, count: number): string {
  return count <= 1 ? `#${first}` : `#${first}-${first + count - 1}`;
}

/** The evidence of an output violation, as indented lines (empty without evidence). */
export function evidence_lines(evidence: OutputEvidence | undefined, indent = '    '): string[] {
  if (evidence === undefined) return [];
  const lines: string[] = [];
  const of = `of ${format_count(evidence.expected_records)} expected records (${format_count(evidence.delivered_records)} delivered, ${format_count(evidence.keys_differing)} key(s) differ)`;
  if (evidence.lost.count > 0) {
    lines.push(`${indent}lost ${format_count(evidence.lost.count)} ${of}: ${ids_text(evidence.lost)}`);
    for (const origin of evidence.lost.origins) lines.push(...origin_lines(origin, `${indent}  `));
  }
  if (evidence.duplicated.count > 0) {
    lines.push(`${indent}duplicated ${format_count(evidence.duplicated.count)}${evidence.lost.count > 0 ? '' : ` ${of}`}: ${ids_text(evidence.duplicated)}`);
    for (const origin of evidence.duplicated.origins) lines.push(...origin_lines(origin, `${indent}  `));
  }
  if (evidence.unexpected.count > 0) {
    lines.push(`${indent}unexpected ${format_count(evidence.unexpected.count)} (records the oracle never emits for their key; named by delivered position): ${ids_text(evidence.unexpected)}`);
  }
  if (evidence.divergences.length > 0) {
    const shown = evidence.divergences.slice(0, MAX_KEYS_SHOWN);
    lines.push(`${indent}first differing position per key (${shown.length === evidence.keys_differing ? 'all' : `first ${shown.length} of ${format_count(evidence.keys_differing)}`}):`);
    for (const divergence of shown) {
      const when = divergence.committed_ms === undefined ? 'output ends early' : `committed at ${format_ms(divergence.committed_ms)}`;
      const label = `${divergence.key} at #${divergence.position} (${when})`;
      lines.push(`${indent}  ${label}:`);
      lines.push(`${indent}    expected ${range(divergence.expected.first_position, divergence.expected.records.length).padEnd(8)} ${window_text(divergence.expected.records)}`);
      lines.push(`${indent}    got      ${range(divergence.actual.first_position, divergence.actual.records.length).padEnd(8)} ${window_text(divergence.actual.records)}`);
    }
  }
  return lines;
}

/** `<property> violated at <time>: <message>` and its evidence lines. */
export function violation_lines(violation: Violation, indent = '  '): string[] {
  return [`${indent}${violation.property} violated at ${format_ms(violation.time_ms)}: ${violation.message}`, ...evidence_lines(violation.evidence, `${indent}  `)];
}
