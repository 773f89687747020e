// Runs reports/screenshot.ts against headless Chromium when /usr/bin/chromium exists (skipped otherwise) and
// checks the PNG it keeps is a real rendering; the PNG inspector is specified on synthetic images too.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { assert_png_non_trivial, DEFAULT_CHROMIUM_PATH, inspect_png, SCREENSHOT_HEIGHT_PX, SCREENSHOT_WIDTH_PX } from './screenshot.js';

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit += 1) crc = (crc >>> 1) ^ (0xedb88320 & -(crc & 1));
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const type_and_body = Buffer.concat([Buffer.from(type, 'latin1'), body]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(type_and_body));
  return Buffer.concat([length, type_and_body, crc]);
}

/** A tiny RGB PNG whose pixel colour comes from `color_at`, every row with filter type `filter` (0 or 1). */
function make_png(width: number, height: number, color_at: (x: number, y: number) => [number, number, number], filter: 0 | 1): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  const rows: number[] = [];
  for (let y = 0; y < height; y += 1) {
    rows.push(filter);
    let previous: [number, number, number] = [0, 0, 0];
    for (let x = 0; x < width; x += 1) {
      const color = color_at(x, y);
      for (let c = 0; c < 3; c += 1) rows.push(filter === 1 ? (color[c]! - previous[c]! + 256) & 0xff : color[c]!);
      previous = color;
    }
  }
  return Buffer.concat([
    Buffer.from('89504e470d0a1a0a', 'hex'),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.from(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('inspect_png', () => {
  it('reads dimensions and counts colours through the row filters', () => {
    const striped = make_png(4, 3, (x) => (x % 2 === 0 ? [255, 255, 255] : [0, 114, 178]), 1);
    expect(inspect_png(striped)).toMatchObject({ width_px: 4, height_px: 3, distinct_colors: 2, non_background_ratio: 0.5 });
  });

  it('finds a flat image flat, and the non-triviality check rejects it', () => {
    const flat = make_png(SCREENSHOT_WIDTH_PX, 2, () => [245, 247, 250], 0);
    const facts = inspect_png(flat);
    expect(facts).toMatchObject({ distinct_colors: 1, non_background_ratio: 0 });
    expect(() => assert_png_non_trivial(facts)).toThrow(/looks trivial/);
  });

  it('reads indexed PNGs of 8 and of 2 bits per pixel through their palette', () => {
    const palette = Buffer.from([255, 255, 255, 0, 114, 178, 213, 94, 0]);
    for (const [bit_depth, rows] of [
      [8, [0, 0, 1, 2, 0, 1, 1, 0]],
      [2, [0, 0b00011000, 0, 0b01010000]],
    ] as const) {
      const header = Buffer.alloc(13);
      header.writeUInt32BE(4, 0);
      header.writeUInt32BE(2, 4);
      header[8] = bit_depth;
      header[9] = 3;
      const png = Buffer.concat([
        Buffer.from('89504e470d0a1a0a', 'hex'),
        chunk('IHDR', header),
        chunk('PLTE', palette),
        chunk('IDAT', deflateSync(Buffer.from(bit_depth === 8 ? [0, ...rows.slice(0, 4), 0, ...rows.slice(4)] : rows))),
        chunk('IEND', Buffer.alloc(0)),
      ]);
      expect(inspect_png(png), `depth ${bit_depth}`).toMatchObject({ width_px: 4, height_px: 2, distinct_colors: 3, non_background_ratio: 0.5 });
    }
  });

  it('rejects files that are not PNGs', () => {
    expect(() => inspect_png(Buffer.from('<html>not a png</html>'))).toThrow(/not a PNG/);
  });
});

const chromium_available = existsSync(DEFAULT_CHROMIUM_PATH);
if (!chromium_available) {
  console.warn(`skipping the report screenshot test: ${DEFAULT_CHROMIUM_PATH} not found (apt-get install -y chromium)`);
}

describe.skipIf(!chromium_available)('reports/screenshot.ts with headless Chromium', () => {
  it('renders the fixture report to a non-trivial PNG', () => {
    const out_dir = mkdtempSync(join(tmpdir(), 'streamsim-screenshot-test-'));
    try {
      const output_png = join(out_dir, 'report.png');
      const run = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'screenshot.ts'), '--out', output_png], {
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout).toContain(`wrote ${output_png}`);
      // The rendering passed assert_png_non_trivial inside the script; the kept file may be palette-reduced (pngquant).
      const facts = inspect_png(readFileSync(output_png));
      expect(facts).toMatchObject({ width_px: SCREENSHOT_WIDTH_PX, height_px: SCREENSHOT_HEIGHT_PX });
      expect(facts.distinct_colors).toBeGreaterThan(16);
      expect(facts.non_background_ratio).toBeGreaterThan(0.05);
    } finally {
      rmSync(out_dir, { recursive: true, force: true });
    }
  });
});
