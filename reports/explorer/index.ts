// Public surface of the trace explorer: `run_explorer` opens a trace (and optionally a second one to diff),
// switches the terminal to its alternate screen, runs the ink UI and always restores the terminal.
import { render } from 'ink';
import { createElement } from 'react';
import { ExplorerApp } from './app.js';
import { ExplorerModel } from './explorer-model.js';
import { TraceFormatError, TraceIndex } from './trace-index.js';
import { print_diff, print_summary, QueryError, run_query } from './print.js';

export { ExplorerApp, HELP_LINES } from './app.js';
export { ExplorerModel } from './explorer-model.js';
export { TraceFormatError, TraceIndex } from './trace-index.js';
export { write_synthetic_trace } from './synthetic-trace.js';
export { print_diff, print_summary, run_query, compile_query, QueryError } from './print.js';

export interface ExplorerOptions {
  trace_path: string;
  diff_path?: string;
  /** Text instead of the UI: a digest of the trace (or, with diff_path, where the traces differ). */
  print?: boolean;
  /** Text instead of the UI: the events matching this query. */
  query?: string;
  /** With query: raw JSON lines instead of rows. */
  json?: boolean;
  /** With query: at most this many events. */
  limit?: number;
  /** How the text modes name the traces (default: their paths), e.g. as the user typed them. */
  labels?: [string, string | undefined];
  stdout?: NodeJS.WriteStream;
  /** Where the text modes write (default: stdout). */
  text_out?: NodeJS.WritableStream;
  stdin?: NodeJS.ReadStream;
  /** Where error messages go; process.stderr by default. */
  stderr?: NodeJS.WritableStream;
}

/** Alternate screen, then cursor home and clear: ink draws from the cursor, which may be low on the screen. */
const enter_alternate_screen = '\x1b[?1049h\x1b[H\x1b[2J';
const leave_alternate_screen = '\x1b[?1049l';
const default_rows = 40;
const default_columns = 120;

/** The text modes: --query (no match is not an error: it says so on stderr), --print with a diff, --print. */
function print_explorer_text(
  index: TraceIndex,
  other: TraceIndex | undefined,
  options: ExplorerOptions,
  stdout: NodeJS.WritableStream,
  stderr: NodeJS.WritableStream,
): number {
  if (options.query !== undefined) {
    const result = run_query(index, options.query, { ...(options.json === true ? { json: true } : {}), ...(options.limit !== undefined ? { limit: options.limit } : {}) });
    stdout.write(result.text);
    if (result.matched === 0) stderr.write(`streamsim explore: no event of ${options.labels?.[0] ?? index.path} matches ${JSON.stringify(options.query)}\n`);
    return 0;
  }
  if (other !== undefined) {
    stdout.write(print_diff(index, other, { labels: [options.labels?.[0] ?? index.path, options.labels?.[1] ?? other.path] }).text);
    return 0;
  }
  stdout.write(print_summary(index, options.labels?.[0]));
  return 0;
}

/** Opens a trace or returns a one-line explanation naming the file (and line) that is wrong. */
export function open_trace(path: string): TraceIndex | string {
  try {
    return TraceIndex.open(path);
  } catch (error) {
    if (error instanceof TraceFormatError) return `streamsim explore: ${error.message}`;
    return `streamsim explore: ${path}: ${(error as Error).message}`;
  }
}

/**
 * Runs the explorer until the user quits. Returns 0 after a normal quit, 2 when a trace is missing or malformed
 * (or stdin is not a terminal), 3 on an internal error; the terminal is restored in every case.
 */
export async function run_explorer(options: ExplorerOptions): Promise<number> {
  const stdout = options.stdout ?? process.stdout;
  const stdin = options.stdin ?? process.stdin;
  const stderr = options.stderr ?? process.stderr;
  const opened = open_trace(options.trace_path);
  if (typeof opened === 'string') {
    stderr.write(opened + '\n');
    return 2;
  }
  let other: TraceIndex | undefined;
  if (options.diff_path !== undefined) {
    const opened_other = open_trace(options.diff_path);
    if (typeof opened_other === 'string') {
      opened.close();
      stderr.write(opened_other + '\n');
      return 2;
    }
    other = opened_other;
  }
  if (options.print === true || options.query !== undefined) {
    try {
      return print_explorer_text(opened, other, options, options.text_out ?? stdout, stderr);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      stderr.write(`streamsim explore: --query: ${error.message}\n`);
      return 2;
    } finally {
      opened.close();
      other?.close();
    }
  }
  if (stdin.isTTY !== true) {
    opened.close();
    other?.close();
    stderr.write('streamsim explore: needs an interactive terminal (stdin is not a TTY); --print and --query write text instead\n');
    return 2;
  }

  let restored = false;
  const restore = (): void => {
    if (restored) return;
    restored = true;
    stdout.write(leave_alternate_screen);
  };
  const on_signal = (signal: NodeJS.Signals): void => {
    restore();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGTERM', on_signal);
  process.once('SIGHUP', on_signal);
  process.once('exit', restore);
  stdout.write(enter_alternate_screen);
  try {
    const model = new ExplorerModel(opened, other);
    const app = (): ReturnType<typeof createElement> =>
      createElement(ExplorerApp, {
        model,
        height: stdout.rows ?? default_rows,
        // One column spare: a line that fills the last column makes some terminals wrap it.
        width: Math.max(40, (stdout.columns ?? default_columns) - 1),
        ...(options.diff_path === undefined ? {} : { other_path: options.diff_path }),
      });
    const instance = render(app(), { stdout, stdin, exitOnCtrlC: true, patchConsole: false });
    const on_resize = (): void => instance.rerender(app());
    stdout.on('resize', on_resize);
    try {
      await instance.waitUntilExit();
    } finally {
      stdout.removeListener('resize', on_resize);
    }
    return 0;
  } catch (error) {
    restore();
    stderr.write(`streamsim explore: internal error: ${(error as Error).message}\n`);
    return 3;
  } finally {
    restore();
    process.removeListener('SIGTERM', on_signal);
    process.removeListener('SIGHUP', on_signal);
    process.removeListener('exit', restore);
    opened.close();
    other?.close();
  }
}
