// Writes the report files for a set of runs into one directory (default ./streamsim-reports/<run-id>/):
// report.json, junit.xml, report.html and, on request, summary.txt. Never writes outside that directory.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { RunResult } from '../scenarios/result-format.js';
import { to_html_report } from './html.js';
import { render_json_report, type ReportMeta } from './json-report.js';
import { to_junit_xml } from './junit.js';
import { derive_run_id, is_valid_run_id } from './run-id.js';
import { render_terminal_summary } from './terminal.js';

import { REPORT_FILE_NAMES, type ReportFormat } from './report-file-names.js';

export { REPORT_FILE_NAMES, type ReportFormat } from './report-file-names.js';

export const DEFAULT_REPORT_FORMATS: readonly ReportFormat[] = ['json', 'junit', 'html'];
export const DEFAULT_REPORTS_ROOT = 'streamsim-reports';

export interface WriteReportsOptions {
  /** The directory to write into; default `./streamsim-reports/<run_id>/` under the current directory. */
  dir?: string;
  /** Default: derived from the runs (`<scenario>-<first seed>-<short hash>`), never from the clock. */
  run_id?: string;
  /** Default json, junit and html; 'terminal' adds summary.txt (without colours). */
  formats?: ReportFormat[];
  /** Extra facts for the JSON and HTML headers. */
  meta?: Omit<ReportMeta, 'run_id'>;
}

export function write_reports(results: readonly RunResult[], options: WriteReportsOptions = {}): { dir: string; files: string[] } {
  const run_id = options.run_id ?? derive_run_id(results);
  if (!is_valid_run_id(run_id)) {
    throw new Error(`invalid run id ${JSON.stringify(run_id)}: use letters, digits, '.', '-' and '_' (it names a directory)`);
  }
  const dir = resolve(options.dir ?? join(DEFAULT_REPORTS_ROOT, run_id));
  const formats = [...new Set(options.formats ?? DEFAULT_REPORT_FORMATS)];
  const meta: ReportMeta = { ...options.meta, run_id };
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const format of formats) {
    const file = join(dir, REPORT_FILE_NAMES[format]);
    if (dirname(file) !== dir) throw new Error(`refusing to write ${file} outside ${dir}`);
    writeFileSync(file, render(format, results, meta));
    files.push(file);
  }
  return { dir, files };
}

function render(format: ReportFormat, results: readonly RunResult[], meta: ReportMeta): string {
  switch (format) {
    case 'json':
      return render_json_report(results, meta);
    case 'junit':
      return to_junit_xml(results);
    case 'html':
      return to_html_report(results, meta);
    case 'terminal':
      return render_terminal_summary(results, { color: false, ...(meta.known_probes ? { known_probes: meta.known_probes } : {}) });
  }
}
