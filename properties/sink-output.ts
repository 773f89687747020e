// What exactly-once output means per sink kind: the committed records themselves (two-phase commit, at-least-once,
// collect), or for the idempotent sink the effect — the last record per output id, as the upsert table holds it.
// The output ids mirror the example jobs' upsert keys (engine/examples/*: sinkFor(params, output_id)).
export function output_id_of(job_name: string): (record: unknown) => string {
  switch (job_name) {
    case 'word_count':
      return (record) => String((record as [string, number])[0]);
    case 'sequence_check':
      return (record) => `${(record as { key: string }).key}/${(record as { seq: number }).seq}`;
    case 'windowed_sum':
      return (record) => `${(record as { key: string }).key}/${(record as { window_start: number }).window_start}`;
    case 'order_payments':
      return (record) => `${(record as { order_id: string }).order_id}/${(record as { status: string }).status}`;
    default:
      return (record) => JSON.stringify(record);
  }
}

/** The upsert table the oracle's output leaves behind: last record per output id, ascending by id. */
export function upsert_effect(records: readonly unknown[], output_id: (record: unknown) => string): unknown[] {
  const table = new Map<string, unknown>();
  for (const record of records) table.set(output_id(record), record);
  return [...table.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, record]) => record);
}
