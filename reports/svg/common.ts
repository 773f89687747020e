// Shared pieces of the hand-written SVG charts: chart geometry, linear scales with "nice" ticks, number
// formatting, axes with labels and units, legends and the empty-chart placeholder. Every text is escaped.
import { escape_html } from '../escape.js';

export interface ChartGeometry {
  width_px: number;
  height_px: number;
  margin: { top_px: number; right_px: number; bottom_px: number; left_px: number };
}

export interface AxisTitles {
  title: string;
  /** Axis titles include the unit, e.g. "virtual time (s)". */
  x_label: string;
  y_label: string;
}

export const default_geometry: ChartGeometry = {
  width_px: 640,
  height_px: 280,
  margin: { top_px: 50, right_px: 20, bottom_px: 52, left_px: 72 },
};

/** Colour-blind-friendly palette (Okabe–Ito), in series order. */
export const palette = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'] as const;

export function palette_color(index: number): string {
  return palette[index % palette.length] ?? '#0072B2';
}

export function plot_area(geometry: ChartGeometry): { left: number; top: number; right: number; bottom: number } {
  return {
    left: geometry.margin.left_px,
    top: geometry.margin.top_px,
    right: geometry.width_px - geometry.margin.right_px,
    bottom: geometry.height_px - geometry.margin.bottom_px,
  };
}

/** Ticks at 1, 2, 2.5 or 5 × 10^k covering [min, max]; the domain is widened to the outer ticks. */
export function nice_ticks(min: number, max: number, target_count = 5): { ticks: number[]; low: number; high: number } {
  if (!Number.isFinite(min) || !Number.isFinite(max)) return { ticks: [0, 1], low: 0, high: 1 };
  if (max < min) [min, max] = [max, min];
  if (max === min) {
    if (max === 0) return { ticks: [0, 1], low: 0, high: 1 };
    const pad = Math.abs(max) * 0.5;
    return nice_ticks(min - pad, max + pad, target_count);
  }
  const raw_step = (max - min) / Math.max(1, target_count);
  const magnitude = 10 ** Math.floor(Math.log10(raw_step));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * magnitude >= raw_step) ?? 10) * magnitude;
  const low = Math.floor(min / step) * step;
  const high = Math.ceil(max / step) * step;
  const ticks: number[] = [];
  for (let index = 0; low + index * step <= high + step / 1e6; index += 1) ticks.push(Number((low + index * step).toPrecision(12)));
  return { ticks, low, high };
}

export function linear_scale(domain_low: number, domain_high: number, range_low: number, range_high: number): (value: number) => number {
  const span = domain_high - domain_low || 1;
  return (value) => range_low + ((value - domain_low) / span) * (range_high - range_low);
}

/** Compact tick/label text: 1 234 → "1234", 12 500 → "12.5k", 3 400 000 → "3.4M", 0.25 → "0.25". */
export function format_number(value: number): string {
  const magnitude = Math.abs(value);
  const trim = (text: string): string => text.replace(/\.0+$|(\.\d*?)0+$/, '$1');
  if (magnitude >= 1e9) return `${trim((value / 1e9).toFixed(1))}G`;
  if (magnitude >= 1e6) return `${trim((value / 1e6).toFixed(1))}M`;
  if (magnitude >= 1e4) return `${trim((value / 1e3).toFixed(1))}k`;
  if (Number.isInteger(value)) return String(value);
  return trim(value.toFixed(magnitude >= 10 ? 1 : 2));
}

/** Rounds a pixel coordinate so output is short and stable. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

export function svg_open(geometry: ChartGeometry, titles: AxisTitles, class_name: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart ${class_name}" role="img" ` +
    `viewBox="0 0 ${geometry.width_px} ${geometry.height_px}" width="${geometry.width_px}" height="${geometry.height_px}" ` +
    `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11">` +
    `<title>${escape_html(titles.title)}</title>` +
    `<rect x="0" y="0" width="${geometry.width_px}" height="${geometry.height_px}" fill="#ffffff"/>` +
    `<text class="chart-title" x="${geometry.margin.left_px}" y="20" font-size="13" font-weight="600" fill="#1f2933">${escape_html(titles.title)}</text>`
  );
}

export const svg_close = '</svg>';

/** Horizontal grid lines, y tick labels and the rotated y axis title. */
export function render_y_axis(geometry: ChartGeometry, ticks: number[], scale: (value: number) => number, label: string, format: (value: number) => string = format_number): string {
  const area = plot_area(geometry);
  const parts: string[] = [];
  for (const tick of ticks) {
    const y = px(scale(tick));
    parts.push(`<line x1="${area.left}" x2="${area.right}" y1="${y}" y2="${y}" stroke="#e4e7eb" stroke-width="1"/>`);
    parts.push(`<text x="${area.left - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#52606d">${escape_html(format(tick))}</text>`);
  }
  parts.push(`<line x1="${area.left}" x2="${area.left}" y1="${area.top}" y2="${area.bottom}" stroke="#7b8794"/>`);
  const middle = px((area.top + area.bottom) / 2);
  parts.push(
    `<text class="axis-label" x="16" y="${middle}" transform="rotate(-90 16 ${middle})" text-anchor="middle" fill="#323f4b">${escape_html(label)}</text>`,
  );
  return `<g class="y-axis">${parts.join('')}</g>`;
}

/** The x axis line, numeric ticks with labels, and the axis title under it. */
export function render_x_axis_numeric(geometry: ChartGeometry, ticks: number[], scale: (value: number) => number, label: string, format: (value: number) => string = format_number): string {
  const area = plot_area(geometry);
  const parts = [`<line x1="${area.left}" x2="${area.right}" y1="${area.bottom}" y2="${area.bottom}" stroke="#7b8794"/>`];
  for (const tick of ticks) {
    const x = px(scale(tick));
    parts.push(`<line x1="${x}" x2="${x}" y1="${area.bottom}" y2="${area.bottom + 4}" stroke="#7b8794"/>`);
    parts.push(`<text x="${x}" y="${area.bottom + 16}" text-anchor="middle" fill="#52606d">${escape_html(format(tick))}</text>`);
  }
  parts.push(render_x_title(geometry, label));
  return `<g class="x-axis">${parts.join('')}</g>`;
}

/** Bars need room for a vertical label each: a chart with more bars than fit `min_slot_px` apart grows wider. */
export function geometry_for_bars(geometry: ChartGeometry, bar_count: number, min_slot_px = 12): ChartGeometry {
  const needed_px = geometry.margin.left_px + geometry.margin.right_px + bar_count * min_slot_px;
  return needed_px <= geometry.width_px ? geometry : { ...geometry, width_px: Math.ceil(needed_px) };
}

/**
 * The x axis for categories (bars): every bar gets its label. Labels too wide for their slot are shortened with an
 * ellipsis (full text as a tooltip); when slots are too narrow even for that, labels stand vertically, shortened to
 * what fits under the axis.
 */
export function render_x_axis_categories(geometry: ChartGeometry, labels: string[], center_of: (index: number) => number, label: string): string {
  const area = plot_area(geometry);
  const parts = [`<line x1="${area.left}" x2="${area.right}" y1="${area.bottom}" y2="${area.bottom}" stroke="#7b8794"/>`];
  const char_px = 6.5;
  const slot_px = labels.length > 0 ? (area.right - area.left) / labels.length : 1;
  const fitting_chars = Math.floor((slot_px - 6) / char_px);
  const widest_chars = Math.max(1, ...labels.map((text) => text.length));
  const vertical = widest_chars > fitting_chars && fitting_chars < 6;
  const shortened = (text: string, room: number): { shown: string; tooltip: string } => {
    if (text.length <= room) return { shown: text, tooltip: '' };
    return { shown: `${text.slice(0, Math.max(1, room - 1))}…`, tooltip: `<title>${escape_html(text)}</title>` };
  };
  if (vertical) {
    const font_px = Math.max(7, Math.min(11, Math.floor(slot_px - 1)));
    const room = Math.max(2, Math.floor((geometry.margin.bottom_px - 22) / (font_px * 0.6)));
    labels.forEach((text, index) => {
      const { shown, tooltip } = shortened(text, room);
      const x = px(center_of(index) + font_px * 0.35);
      const y = area.bottom + 6;
      parts.push(`<text class="bar-label" x="${x}" y="${y}" transform="rotate(-90 ${x} ${y})" text-anchor="end" font-size="${font_px}" fill="#52606d">${tooltip}${escape_html(shown)}</text>`);
    });
  } else {
    labels.forEach((text, index) => {
      const { shown, tooltip } = shortened(text, fitting_chars);
      parts.push(`<text class="bar-label" x="${px(center_of(index))}" y="${area.bottom + 16}" text-anchor="middle" fill="#52606d">${tooltip}${escape_html(shown)}</text>`);
    });
  }
  parts.push(render_x_title(geometry, label));
  return `<g class="x-axis">${parts.join('')}</g>`;
}

function render_x_title(geometry: ChartGeometry, label: string): string {
  const area = plot_area(geometry);
  return `<text class="axis-label" x="${px((area.left + area.right) / 2)}" y="${geometry.height_px - 10}" text-anchor="middle" fill="#323f4b">${escape_html(label)}</text>`;
}

/**
 * A one-row legend: in the top right corner beside the title when it fits, otherwise on its own row under the
 * title. A swatch and a name per entry.
 */
export function render_legend(geometry: ChartGeometry, entries: { name: string; color: string }[], title: string): string {
  if (entries.length === 0) return '';
  const item_widths = entries.map((entry) => 18 + entry.name.length * 6.2 + 12);
  const legend_width = item_widths.reduce((sum, width) => sum + width, 0);
  const title_end = geometry.margin.left_px + title.length * 7.6 + 16;
  const beside_title = geometry.width_px - geometry.margin.right_px - legend_width >= title_end;
  let x = beside_title ? geometry.width_px - geometry.margin.right_px - legend_width : geometry.margin.left_px;
  const swatch_y = beside_title ? 11 : 28;
  const parts: string[] = [];
  entries.forEach((entry, index) => {
    parts.push(`<rect x="${px(x)}" y="${swatch_y}" width="12" height="12" rx="2" fill="${entry.color}"/>`);
    parts.push(`<text x="${px(x + 16)}" y="${swatch_y + 10}" fill="#323f4b">${escape_html(entry.name)}</text>`);
    x += item_widths[index] ?? 0;
  });
  return `<g class="legend">${parts.join('')}</g>`;
}

export function render_no_data(geometry: ChartGeometry, message = 'no data'): string {
  const area = plot_area(geometry);
  return `<text class="no-data" x="${px((area.left + area.right) / 2)}" y="${px((area.top + area.bottom) / 2)}" text-anchor="middle" fill="#9aa5b1" font-size="13">${escape_html(message)}</text>`;
}
