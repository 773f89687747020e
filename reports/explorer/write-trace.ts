// Command-line wrapper around the synthetic trace generator, for scripts:
// node --import tsx reports/explorer/write-trace.ts PATH EVENT_COUNT [DIVERGE_AT_SEQ]
import { write_synthetic_trace } from './synthetic-trace.js';

const [trace_path, event_count_text, diverge_text] = process.argv.slice(2);
const event_count = Number(event_count_text);
if (trace_path === undefined || !Number.isInteger(event_count) || event_count < 10) {
  process.stderr.write('usage: write-trace.ts PATH EVENT_COUNT [DIVERGE_AT_SEQ]\n');
  process.exit(2);
}
const summary = write_synthetic_trace({
  path: trace_path,
  event_count,
  seed: 7,
  ...(diverge_text === undefined ? {} : { diverge_at_seq: Number(diverge_text) }),
});
process.stdout.write(JSON.stringify({ lines: summary.line_count, last_time_ms: summary.last_time_ms }) + '\n');
