// Entry point of the streamsim CLI: runs run_cli on this process's arguments and sets the exit code.
// `npx streamsim` reaches it through cli/bin.mjs; `npm start` runs it directly with tsx. A reader that stops early
// (`streamsim help swarm | head -2`) closes the pipe: that ends the output quietly, never with a stack trace.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { process_deps, run_cli } from './program.js';

/** Output to a closed pipe (EPIPE) ends the process quietly with the exit code so far. */
function end_quietly_on_closed_pipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
}

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  end_quietly_on_closed_pipe(process.stdout);
  end_quietly_on_closed_pipe(process.stderr);
  const code = await run_cli(argv, process_deps());
  process.exitCode = code;
  return code;
}

function is_entry_point(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (is_entry_point()) await main();
