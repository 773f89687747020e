// Entry point of the streamsim CLI: runs run_cli on this process's arguments and sets the exit code.
// `npx streamsim` reaches it through cli/bin.mjs; `npm start` runs it directly with tsx.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { process_deps, run_cli } from './program.js';

export async function main(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
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
