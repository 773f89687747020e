// The public surface of reports/: run summaries for people and CI (terminal, JSON, JUnit XML, HTML with plots),
// swarm aggregates, merging the reports of swarm shards, schema validation and the report writer. The trace
// explorer lives in reports/explorer/.
export {
  aggregate_swarm,
  failure_reasons,
  run_exactly_once,
  run_failed,
  DELIVERY_GRID_MODES,
  DELIVERY_GRID_SINK_KINDS,
  type AggregateOptions,
  type DeliveryCell,
  type FailureEntry,
  type ProbeCoverage,
  type SwarmAggregate,
} from './aggregate.js';
export { escape_html, escape_markup, escape_xml, escape_xml_attribute } from './escape.js';
export { to_html_report, CHECKPOINT_COST_PARTS, RECOVERY_PARTS, type HtmlReportOptions } from './html.js';
export {
  render_json_report,
  to_json_report,
  RUN_REPORT_FORMAT,
  RUN_REPORT_FORMAT_VERSION,
  type ReportMeta,
  type RunReport,
} from './json-report.js';
export { junit_testcase_name, to_junit_xml } from './junit.js';
export { as_run_report, merge_run_reports, ReportMergeError, type MergedReports, type MergeInput } from './merge.js';
export { derive_run_id, is_valid_run_id, RUN_ID_PATTERN } from './run-id.js';
export {
  check_run_report,
  check_run_result,
  load_run_report_schema,
  load_run_result_schema,
  RUN_REPORT_SCHEMA_ID,
  RUN_RESULT_SCHEMA_ID,
  type SchemaCheck,
} from './schema-validation.js';
export { render_terminal_summary, sanitize_terminal_text, type TerminalSummaryOptions } from './terminal.js';
export {
  write_reports,
  DEFAULT_REPORT_FORMATS,
  DEFAULT_REPORTS_ROOT,
  REPORT_FILE_NAMES,
  type ReportFormat,
  type WriteReportsOptions,
} from './write-reports.js';
