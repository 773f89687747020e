// Small entry point for running the explorer directly (node --import tsx reports/explorer/main.ts TRACE [--diff OTHER]),
// used by the tmux check before the CLI wires up `streamsim explore`.
import { force_interactive_rendering } from './interactive-mode.js';

force_interactive_rendering();
const { run_explorer } = await import('./index.js');

const args = process.argv.slice(2);
const diff_at = args.indexOf('--diff');
const diff_path = diff_at >= 0 ? args[diff_at + 1] : undefined;
const trace_path = args.find((arg, i) => !arg.startsWith('--') && (diff_at < 0 || i !== diff_at + 1));
if (trace_path === undefined || (diff_at >= 0 && diff_path === undefined)) {
  process.stderr.write('usage: main.ts TRACE [--diff OTHER]\n');
  process.exit(2);
}
const code = await run_explorer({ trace_path, ...(diff_path === undefined ? {} : { diff_path }) });
process.exit(code);
