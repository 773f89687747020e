// Renders the HTML report of the fixture runs, screenshots it with headless Chromium, checks the PNG is not
// trivial (size, dimensions, many distinct colours) and keeps it. Run: npx tsx reports/screenshot.ts [--out file.png]
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateSync } from 'node:zlib';
import { FIXTURE_PROBE_NAMES, make_fixture_results } from './fixtures/run-results.js';
import { to_html_report } from './html.js';

export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_WIDTH_PX = 1400;
export const SCREENSHOT_HEIGHT_PX = 4400;
const repository_root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const DEFAULT_SCREENSHOT_PATH = join(repository_root, 'docs', 'report-example.png');

export interface PngFacts {
  width_px: number;
  height_px: number;
  size_bytes: number;
  /** Distinct RGB colours over every pixel. */
  distinct_colors: number;
  /** Share of pixels that differ from the most common colour (the background). */
  non_background_ratio: number;
}

/** Decodes an 8-bit RGB or RGBA, non-interlaced PNG (what Chromium writes) far enough to count its colours. */
export function inspect_png(bytes: Buffer): PngFacts {
  const signature = '89504e470d0a1a0a';
  if (bytes.subarray(0, 8).toString('hex') !== signature) throw new Error('not a PNG file');
  let offset = 8;
  let width_px = 0;
  let height_px = 0;
  let channels = 0;
  const data_chunks: Buffer[] = [];
  while (offset + 8 <= bytes.length) {
    const length = bytes.readUInt32BE(offset);
    const type = bytes.subarray(offset + 4, offset + 8).toString('latin1');
    const body = bytes.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width_px = body.readUInt32BE(0);
      height_px = body.readUInt32BE(4);
      const bit_depth = body[8];
      const color_type = body[9];
      const interlace = body[12];
      if (bit_depth !== 8 || interlace !== 0 || (color_type !== 2 && color_type !== 6)) {
        throw new Error(`unsupported PNG layout: depth ${bit_depth}, colour type ${color_type}, interlace ${interlace}`);
      }
      channels = color_type === 6 ? 4 : 3;
    } else if (type === 'IDAT') {
      data_chunks.push(body);
    } else if (type === 'IEND') {
      break;
    }
    offset += 12 + length;
  }
  const raw = inflateSync(Buffer.concat(data_chunks));
  const stride = width_px * channels;
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
    for (let i = 0; i < stride; i += channels) {
      const color = ((line[i] ?? 0) << 16) | ((line[i + 1] ?? 0) << 8) | (line[i + 2] ?? 0);
      color_counts.set(color, (color_counts.get(color) ?? 0) + 1);
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
export function assert_png_non_trivial(facts: PngFacts): void {
  const problems: string[] = [];
  if (facts.width_px !== SCREENSHOT_WIDTH_PX || facts.height_px !== SCREENSHOT_HEIGHT_PX) {
    problems.push(`size ${facts.width_px}×${facts.height_px}, expected ${SCREENSHOT_WIDTH_PX}×${SCREENSHOT_HEIGHT_PX}`);
  }
  if (facts.size_bytes < 60_000) problems.push(`only ${facts.size_bytes} bytes`);
  if (facts.distinct_colors < 200) problems.push(`only ${facts.distinct_colors} distinct colours`);
  if (facts.non_background_ratio < 0.05) problems.push(`only ${(facts.non_background_ratio * 100).toFixed(1)}% of pixels differ from the background`);
  if (problems.length > 0) throw new Error(`screenshot looks trivial: ${problems.join('; ')}`);
}

export interface ScreenshotOptions {
  output_png?: string;
  chromium_path?: string;
}

/** Writes the fixture report to a temporary directory, screenshots it and copies the PNG to `output_png`. */
export function take_report_screenshot(options: ScreenshotOptions = {}): { output_png: string; facts: PngFacts } {
  const chromium_path = options.chromium_path ?? DEFAULT_CHROMIUM_PATH;
  const output_png = resolve(options.output_png ?? DEFAULT_SCREENSHOT_PATH);
  if (!existsSync(chromium_path)) throw new Error(`Chromium not found at ${chromium_path}`);
  const work_dir = mkdtempSync(join(tmpdir(), 'streamsim-screenshot-'));
  try {
    const html_path = join(work_dir, 'report.html');
    const png_path = join(work_dir, 'report.png');
    const html = to_html_report(make_fixture_results(), {
      title: 'streamsim report — example swarm',
      command: 'npx streamsim swarm scenarios/catalogue --seeds 6',
      known_probes: [...FIXTURE_PROBE_NAMES],
    });
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
        `--window-size=${SCREENSHOT_WIDTH_PX},${SCREENSHOT_HEIGHT_PX}`,
        `file://${html_path}`,
      ],
      { encoding: 'utf8', timeout: 90_000 },
    );
    if (!existsSync(png_path)) {
      throw new Error(`Chromium wrote no screenshot (exit ${run.status ?? run.signal ?? 'unknown'}): ${run.stderr.slice(-2000)}`);
    }
    const facts = inspect_png(readFileSync(png_path));
    assert_png_non_trivial(facts);
    mkdirSync(dirname(output_png), { recursive: true });
    copyFileSync(png_path, output_png);
    return { output_png, facts };
  } finally {
    rmSync(work_dir, { recursive: true, force: true });
  }
}

function output_argument(argv: string[]): string | undefined {
  const index = argv.indexOf('--out');
  return index >= 0 ? argv[index + 1] : undefined;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const output_png = output_argument(process.argv.slice(2));
  const { output_png: written, facts } = take_report_screenshot(output_png === undefined ? {} : { output_png });
  process.stdout.write(
    `wrote ${written}: ${facts.width_px}×${facts.height_px}, ${facts.size_bytes} bytes, ${facts.distinct_colors} colours, ` +
      `${(facts.non_background_ratio * 100).toFixed(1)}% non-background\n`,
  );
}
