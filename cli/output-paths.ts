// Where the CLI writes (--reports, --trace, failure files, merge --out), checked before any simulation starts, so a
// finished run is never lost to a bad path: a directory must be (or become) a writable directory, a trace file must
// not be a directory, an input being read, or an existing file that is not a trace.
import { closeSync, existsSync, mkdirSync, openSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { REPORT_FILE_NAMES } from '../reports/report-file-names.js';
import { UsageError } from './errors.js';

/** What the user called the path, for messages: a flag (`--reports`) or a description (`the failure directory`). */
export interface OutputPathLabel {
  flag: string;
  /** The path as the user typed it. */
  shown: string;
}

function describe_errno(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOTDIR':
      return 'a part of the path is a file, not a directory';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EEXIST':
      return 'a file is in the way';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}

/** The nearest path at or above `path` that exists. */
function nearest_existing(path: string): string {
  let current = path;
  while (!existsSync(current)) {
    const parent = dirname(current);
    if (parent === current) return current;
    current = parent;
  }
  return current;
}

/** Writes and removes a probe file: the only honest test that a directory takes new files (root ignores modes). */
function probe_writable(dir: string, label: OutputPathLabel): void {
  const probe = join(dir, `.streamsim-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe, { force: true });
  } catch (error) {
    throw new UsageError(`${label.flag} ${label.shown}: cannot write into ${dir} (${describe_errno(error)})`);
  }
}

/** Makes `path` a writable directory now (mkdir -p) and returns it, or says why it cannot be one. */
export function prepare_output_dir(path: string, label: OutputPathLabel): string {
  if (label.shown.trim() === '') throw new UsageError(`${label.flag}: an empty path; give a directory`);
  const absolute = resolve(path);
  if (existsSync(absolute) && !statSync(absolute).isDirectory()) {
    throw new UsageError(`${label.flag} ${label.shown}: is a file, not a directory; choose a directory (it is created if missing)`);
  }
  // One level at a time from the nearest existing directory (a recursive mkdir can spin on pseudo file systems).
  const blocker = nearest_existing(absolute);
  if (!statSync(blocker).isDirectory()) throw new UsageError(`${label.flag} ${label.shown}: cannot create the directory (${blocker} is a file, not a directory)`);
  const missing: string[] = [];
  for (let dir = absolute; dir !== blocker; dir = dirname(dir)) missing.unshift(dir);
  for (const dir of missing) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      throw new UsageError(`${label.flag} ${label.shown}: cannot create the directory ${dir} (${describe_errno(error)})`);
    }
  }
  probe_writable(absolute, label);
  return absolute;
}

/**
 * Checks, without creating anything, that `path` could become a writable directory later (failure files are only
 * written when a run fails, so a passing run leaves no empty directory behind).
 */
export function check_output_dir_later(path: string, label: OutputPathLabel): string {
  if (label.shown.trim() === '') throw new UsageError(`${label.flag}: an empty path; give a directory`);
  const absolute = resolve(path);
  const existing = nearest_existing(absolute);
  if (!statSync(existing).isDirectory()) {
    throw new UsageError(
      existing === absolute
        ? `${label.flag} ${label.shown}: is a file, not a directory; failure files could not be written there`
        : `${label.flag} ${label.shown}: ${existing} is a file, not a directory; failure files could not be written there`,
    );
  }
  probe_writable(existing, label);
  return absolute;
}

/** Files a command reads, which an output file must never replace. */
export interface InputFile {
  path: string;
  what: string;
}

function same_file(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

const TRACE_MARK = '"format":"streamsim-trace"';

/** True when the file's first bytes are a streamsim trace header (so replacing it loses nothing but an old trace). */
function looks_like_trace(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const read = readSync(fd, buffer, 0, buffer.length, 0);
    return read === 0 || buffer.subarray(0, read).toString('utf8').includes(TRACE_MARK);
  } finally {
    closeSync(fd);
  }
}

/**
 * Checks a trace output path before the run: not a directory, not one of the inputs, not an existing file that is
 * something other than a trace; creates its directory. Returns the absolute path.
 */
export function prepare_trace_file(path: string, label: OutputPathLabel, inputs: readonly InputFile[]): string {
  if (label.shown.trim() === '') throw new UsageError(`${label.flag}: an empty path; give a file name such as trace.jsonl`);
  const absolute = resolve(path);
  for (const input of inputs) {
    if (resolve(input.path) === absolute || same_file(input.path, absolute)) {
      throw new UsageError(`${label.flag} ${label.shown}: is ${input.what} being read; writing the trace there would destroy it`);
    }
  }
  if (existsSync(absolute)) {
    const stat = statSync(absolute);
    if (stat.isDirectory()) throw new UsageError(`${label.flag} ${label.shown}: is a directory; give a file name such as ${join(label.shown, 'trace.jsonl')}`);
    // A device or a pipe (/dev/null, /dev/stdout) takes the trace as asked; a regular file must be an old trace.
    if (stat.isFile() && !looks_like_trace(absolute)) {
      throw new UsageError(`${label.flag} ${label.shown}: exists and is not a streamsim trace; remove it or choose another file (it would be overwritten)`);
    }
  }
  const blocker = nearest_existing(dirname(absolute));
  if (!statSync(blocker).isDirectory()) throw new UsageError(`${label.flag} ${label.shown}: ${blocker} is a file, not a directory`);
  prepare_output_dir(dirname(absolute), { flag: label.flag, shown: label.shown });
  return absolute;
}

/** Refuses a reports directory whose report files (report.json, …) would replace a file the command reads or writes. */
export function check_reports_spare(dir: string, label: OutputPathLabel, files: readonly InputFile[]): void {
  const absolute = resolve(dir);
  for (const name of Object.values(REPORT_FILE_NAMES)) {
    const target = join(absolute, name);
    for (const file of files) {
      if (resolve(file.path) === target || same_file(file.path, target)) {
        throw new UsageError(`${label.flag} ${label.shown}: its ${name} would replace ${file.what}; choose another directory`);
      }
    }
  }
}
