// Renders an HTML report (of a report.json, or of the fixture runs), screenshots it with headless Chromium at a given
// width, checks the PNG is not trivial (dimensions, size, many distinct colours) and keeps it.
// Run: npx tsx reports/screenshot.ts [--report dir/report.json] [--width 1400] [--height 2400] [--out file.png]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { FIXTURE_PROBE_NAMES, make_fixture_results } from './fixtures/run-results.js';
import { to_html_report } from './html.js';
import type { RunReport } from './json-report.js';
import { check_run_report } from './schema-validation.js';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
const PNGQUANT_PATH = '/usr/bin/pngquant';
export const SCREENSHOT_WIDTH_PX = 1400;
export const SCREENSHOT_HEIGHT_PX = 4400;
const repository_root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SCREENSHOT_PATH = join(repository_root, 'report.png');

export interface PngFacts {
  width_px: number;
  height_px: number;
  size_bytes: number;
  /** Distinct RGB colours over every pixel. */
  distinct_colors: number;
  /** Share of pixels that differ from the most common colour (the background). */
  non_background_ratio: number;
}

/**
 * Decodes a non-interlaced PNG far enough to count its colours: 8-bit RGB or RGBA (what Chromium writes) or an
 * indexed one of 1 to 8 bits (what pngquant writes).
 */
export function inspect_png(bytes: Buffer): PngFacts {
  const signature = '89504e470d0a1a0a';
  if (bytes.subarray(0, 8).toString('hex') !== signature) throw new Error('not a PNG file');
  let offset = 8;
  let width_px = 0;
  let height_px = 0;
  let channels = 0;
  let bit_depth = 8;
  let palette: Buffer | undefined;
  const data_chunks: Buffer[] = [];
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('latin1');
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width_px = body.readUInt32BE(0);
      height_px = body.readUInt32BE(4);
      bit_depth = body[8] ?? 0;
      const color_type = body[9];
      const interlace = body[12];
      const indexed = color_type === 3 && [1, 2, 4, 8].includes(bit_depth);
      if (interlace !== 0 || !(indexed || (bit_depth === 8 && (color_type === 2 || color_type === 6)))) {
        throw new Error(`unsupported PNG layout: depth ${bit_depth}, colour type ${color_type}, interlace ${interlace}`);
      }
      channels = color_type === 6 ? 4 : color_type === 2 ? 3 : 1;
    } else if (type === 'PLTE') {
      palette = Buffer.from(body);
    } else if (type === 'IDAT') {
      data_chunks.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data_chunks));
  const stride = Math.ceil((width_px * channels * bit_depth) / 8);
  let previous = Buffer.alloc(stride);
  const color_counts = new Map<number, number>();
  for (let row = 0; row < height_px; row += 1) {
    const start = row * (stride + 1);
    const filter = raw[start];
    const line = Buffer.from(raw.subarray(start + 1, start + 1 + stride));
    for (let i = 0; i < stride; i += 1) {
      const left = i >= channels ? (line[i - channels] ?? 0) : 0;
      const up = previous[i] ?? 0;
      const up_left = i >= channels ? (previous[i - channels] ?? 0) : 0;
      const value = line[i] ?? 0;
      let predictor = 0;
      if (filter === 1) predictor = left;
      else if (filter === 2) predictor = up;
      else if (filter === 3) predictor = (left + up) >> 1;
      else if (filter === 4) {
        const estimate = left + up - up_left;
        const distance_left = Math.abs(estimate - left);
        const distance_up = Math.abs(estimate - up);
        const distance_up_left = Math.abs(estimate - up_left);
        predictor = distance_left <= distance_up && distance_left <= distance_up_left ? left : distance_up <= distance_up_left ? up : up_left;
      }
      line[i] = (value + predictor) & 0xff;
    }
    if (channels === 1) {
      const per_byte = 8 / bit_depth;
      const mask = (1 << bit_depth) - 1;
      for (let x = 0; x < width_px; x += 1) {
        const index = ((line[Math.floor(x / per_byte)] ?? 0) >> ((per_byte - 1 - (x % per_byte)) * bit_depth)) & mask;
        const color = palette === undefined ? index : ((palette[index * 3] ?? 0) << 16) | ((palette[index * 3 + 1] ?? 0) << 8) | (palette[index * 3 + 2] ?? 0);
        color_counts.set(color, (color_counts.get(color) ?? 0) + 1);
      }
    } else {
      for (let i = 0; i < stride; i += channels) {
        const color = ((line[i] ?? 0) << 16) | ((line[i + 1] ?? 0) << 8) | (line[i + 2] ?? 0);
        color_counts.set(color, (color_counts.get(color) ?? 0) + 1);
      }
    }
    previous = line;
  }
  const pixels = width_px * height_px;
  const background = Math.max(0, ...color_counts.values());
  return {
    width_px,
    height_px,
    size_bytes: bytes.length,
    distinct_colors: color_counts.size,
    non_background_ratio: pixels === 0 ? 0 : (pixels - background) / pixels,
  };
}

/** Throws unless the PNG looks like a rendered report rather than a blank or flat page. */
export function assert_png_non_trivial(facts: PngFacts, expected: { width_px: number; height_px: number } = { width_px: SCREENSHOT_WIDTH_PX, height_px: SCREENSHOT_HEIGHT_PX }): void {
  const problems: string[] = [];
  if (facts.width_px !== expected.width_px || facts.height_px !== expected.height_px) {
    problems.push(`size ${facts.width_px}×${facts.height_px}, expected ${expected.width_px}×${expected.height_px}`);
  }
  if (facts.size_bytes < 60_000) problems.push(`only ${facts.size_bytes} bytes`);
  if (facts.distinct_colors < 200) problems.push(`only ${facts.distinct_colors} distinct colours`);
  if (facts.non_background_ratio < 0.05) problems.push(`only ${(facts.non_background_ratio * 100).toFixed(1)}% of pixels differ from the background`);
  if (problems.length > 0) throw new Error(`screenshot looks trivial: ${problems.join('; ')}`);
}

export interface ScreenshotOptions {
  output_png?: string;
  chromium_path?: string;
  /** A report.json to render; default: the fixture runs. */
  report_json?: string;
  width_px?: number;
  height_px?: number;
}

/** The HTML of a report.json (checked against its schema first), as `streamsim` itself would write it. */
export function html_of_report_file(path: string): string {
  const report = JSON.parse(readFileSync(path, 'utf8')) as unknown;
  const checked = check_run_report(report);
  if (!checked.valid) throw new Error(`${path} is not a run report: ${checked.errors.slice(0, 3).join('; ')}`);
  const { results, meta, run_id } = report as RunReport;
  return to_html_report(results, { ...meta, run_id });
}

/** Writes the report to a temporary directory, screenshots it and copies the PNG to `output_png`. */
export function take_report_screenshot(options: ScreenshotOptions = {}): { output_png: string; facts: PngFacts } {
  const chromium_path = options.chromium_path ?? DEFAULT_CHROMIUM_PATH;
  const output_png = resolve(options.output_png ?? DEFAULT_SCREENSHOT_PATH);
  if (!existsSync(chromium_path)) throw new Error(`Chromium not found at ${chromium_path}`);
  const work_dir = mkdtempSync(join(tmpdir(), 'streamsim-screenshot-'));
  try {
    const html_path = join(work_dir, 'report.html');
    const png_path = join(work_dir, 'report.png');
    const width_px = options.width_px ?? SCREENSHOT_WIDTH_PX;
    const height_px = options.height_px ?? SCREENSHOT_HEIGHT_PX;
    const html =
      options.report_json === undefined
        ? to_html_report(make_fixture_results(), {
            title: 'streamsim report — example swarm',
            command: 'npx streamsim swarm scenarios/catalogue --seeds 6',
            known_probes: [...FIXTURE_PROBE_NAMES],
          })
        : html_of_report_file(options.report_json);
    writeFileSync(html_path, html);
    const profile_dir = join(work_dir, 'profile');
    mkdirSync(profile_dir);
    const run = spawnSync(
      chromium_path,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--hide-scrollbars',
        `--user-data-dir=${profile_dir}`,
        `--screenshot=${png_path}`,
        `--window-size=${width_px},${height_px}`,
        `file://${html_path}`,
      ],
      { encoding: 'utf8', timeout: 90_000 },
    );
    if (!existsSync(png_path)) {
      throw new Error(`Chromium wrote no screenshot (exit ${run.status ?? run.signal ?? 'unknown'}): ${run.stderr.slice(-2000)}`);
    }
    const facts = inspect_png(readFileSync(png_path));
    assert_png_non_trivial(facts, { width_px, height_px });
    mkdirSync(dirname(output_png), { recursive: true });
    // Docs keep these PNGs: with pngquant (Debian package pngquant) they shrink to about a third, palette-reduced.
    const squeezed = existsSync(PNGQUANT_PATH)
      ? spawnSync(PNGQUANT_PATH, ['--quality', '60-85', '--speed', '1', '--strip', '--force', '--output', output_png, png_path], { timeout: 60_000 }).status === 0
      : false;
    if (!squeezed) copyFileSync(png_path, output_png);
    return { output_png, facts };
  } finally {
    rmSync(work_dir, { recursive: true, force: true });
  }
}

function argument(argv: string[], flag: string): string | undefined {
  const index = argv.indexOf(flag);
  return index >= 0 ? argv[index + 1] : undefined;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const options: ScreenshotOptions = {};
  const out = argument(argv, '--out');
  const report = argument(argv, '--report');
  const width = argument(argv, '--width');
  const height = argument(argv, '--height');
  if (out !== undefined) options.output_png = out;
  if (report !== undefined) options.report_json = report;
  if (width !== undefined) options.width_px = Number(width);
  if (height !== undefined) options.height_px = Number(height);
  const { output_png: written, facts } = take_report_screenshot(options);
  process.stdout.write(
    `wrote ${written}: ${facts.width_px}×${facts.height_px}, ${statSync(written).size} bytes (rendered ${facts.size_bytes}), ${facts.distinct_colors} colours, ` +
      `${(facts.non_background_ratio * 100).toFixed(1)}% non-background\n`,
  );
}
