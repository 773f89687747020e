// The names of the files a report directory holds, light to import (the CLI checks them against its inputs before a
// run starts, long before it loads the report writers).
export type ReportFormat = 'json' | 'junit' | 'html' | 'terminal';

export const REPORT_FILE_NAMES: Record<ReportFormat, string> = {
  json: 'report.json',
  junit: 'junit.xml',
  html: 'report.html',
  terminal: 'summary.txt',
};
