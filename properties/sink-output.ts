// What exactly-once output means per sink kind: the committed records themselves (two-phase commit, at-least-once,
// collect), or for the idempotent sink the effect — the last record per output id (the job contract's output.id), as
// the upsert table holds it.
/** The upsert table the oracle's output leaves behind: last record per output id, ascending by id. */
export function upsert_effect(records: readonly unknown[], output_id: (record: unknown) => string): unknown[] {
  const table = new Map<string, unknown>();
  for (const record of records) table.set(output_id(record), record);
  return [...table.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, record]) => record);
}
