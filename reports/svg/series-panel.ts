// Several series stacked over one shared virtual-time axis (throughput, latency, lag, committed output), with
// intervals (faults by kind, recoveries) shaded across every plot, the way Jepsen draws nemesis activity.
import { escape_html } from '../escape.js';
import { format_number, linear_scale, nice_ticks, palette_color, px, svg_close } from './common.js';

export interface PanelPlot {
  /** The quantity with its unit, e.g. "throughput (records/s)". */
  y_label: string;
  points: { x: number; y: number; hint?: string }[];
  /** line: a polyline; points: one dot per point (events such as commits), joined by a faint line. */
  style: 'line' | 'points';
  /** Shown instead of the plot when it has no points. */
  empty_message: string;
}

export interface PanelBand {
  start: number;
  end: number;
  /** Index into band_categories: decides colour and legend entry. */
  category: number;
  label: string;
}

export interface SeriesPanelInput {
  title: string;
  x_label: string;
  start: number;
  end: number;
  plots: PanelPlot[];
  bands: PanelBand[];
  band_categories: string[];
  /** Colour per category (default: the palette in order). */
  band_colors?: string[];
  width_px?: number;
}

const PLOT_HEIGHT_PX = 104;
const PLOT_GAP_PX = 30;
const LEFT_PX = 78;
const RIGHT_PX = 20;
const LINE_COLOR = '#1f2933';
const MIN_BAND_PX = 3;

/** The legend rows needed for `names` in `width` (one swatch and name per entry). */
function legend_layout(names: string[], left: number, right: number): { x: number; row: number }[] {
  const layout: { x: number; row: number }[] = [];
  let x = left;
  let row = 0;
  for (const name of names) {
    const width = 18 + name.length * 6.2 + 14;
    if (x + width > right && x > left) {
      row += 1;
      x = left;
    }
    layout.push({ x, row });
    x += width;
  }
  return layout;
}

export function render_series_panel(input: SeriesPanelInput): string {
  const width = input.width_px ?? 1300;
  const band_color = (category: number): string => input.band_colors?.[category] ?? palette_color(category);
  const right = width - RIGHT_PX;
  const legend = legend_layout(input.band_categories, LEFT_PX, right);
  const legend_rows = input.band_categories.length === 0 ? 0 : Math.max(...legend.map((entry) => entry.row)) + 1;
  const top = 30 + legend_rows * 18;
  const height = top + input.plots.length * (PLOT_HEIGHT_PX + PLOT_GAP_PX) + 24;
  const x_ticks = nice_ticks(input.start, Math.max(input.end, input.start + 1), 10);
  const x_scale = linear_scale(x_ticks.low, x_ticks.high, LEFT_PX, right);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart series-panel" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" ` +
      `font-family="system-ui, -apple-system, 'Segoe UI', sans-serif" font-size="11"><title>${escape_html(input.title)}</title>` +
      `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>` +
      `<text class="chart-title" x="${LEFT_PX}" y="20" font-size="13" font-weight="600" fill="#1f2933">${escape_html(input.title)}</text>`,
  ];
  input.band_categories.forEach((name, index) => {
    const entry = legend[index]!;
    const y = 42 + entry.row * 18;
    out.push(
      `<g class="legend-entry"><rect x="${px(entry.x)}" y="${y - 10}" width="12" height="12" rx="2" fill="${band_color(index)}" fill-opacity="0.45"/>` +
        `<text x="${px(entry.x + 16)}" y="${y}" fill="#323f4b">${escape_html(name)}</text></g>`,
    );
  });
  input.plots.forEach((plot, index) => {
    const plot_top = top + index * (PLOT_HEIGHT_PX + PLOT_GAP_PX) + 14;
    const plot_bottom = plot_top + PLOT_HEIGHT_PX;
    out.push(`<g class="plot">`);
    out.push(`<text class="plot-label" x="${LEFT_PX}" y="${plot_top - 5}" font-weight="600" fill="#323f4b">${escape_html(plot.y_label)}</text>`);
    for (const band of input.bands) {
      const left = x_scale(band.start);
      const band_width = Math.max(MIN_BAND_PX, x_scale(band.end) - left);
      out.push(
        `<rect class="band" x="${px(left)}" y="${plot_top}" width="${px(band_width)}" height="${PLOT_HEIGHT_PX}" fill="${band_color(band.category)}" fill-opacity="0.22">` +
          `<title>${escape_html(band.label)}</title></rect>`,
      );
    }
    for (const tick of x_ticks.ticks) {
      const x = px(x_scale(tick));
      out.push(`<line x1="${x}" x2="${x}" y1="${plot_top}" y2="${plot_bottom}" stroke="#eef1f4"/>`);
    }
    out.push(`<line x1="${LEFT_PX}" x2="${LEFT_PX}" y1="${plot_top}" y2="${plot_bottom}" stroke="#7b8794"/>`);
    out.push(`<line x1="${LEFT_PX}" x2="${right}" y1="${plot_bottom}" y2="${plot_bottom}" stroke="#7b8794"/>`);
    if (plot.points.length === 0) {
      out.push(`<text class="no-data" x="${px((LEFT_PX + right) / 2)}" y="${px((plot_top + plot_bottom) / 2)}" text-anchor="middle" fill="#9aa5b1" font-size="12">${escape_html(plot.empty_message)}</text></g>`);
      return;
    }
    const ys = plot.points.map((point) => point.y);
    const y_ticks = nice_ticks(Math.min(0, ...ys), Math.max(...ys), 3);
    const y_scale = linear_scale(y_ticks.low, y_ticks.high, plot_bottom, plot_top);
    for (const tick of y_ticks.ticks) {
      const y = px(y_scale(tick));
      out.push(`<line x1="${LEFT_PX}" x2="${right}" y1="${y}" y2="${y}" stroke="#eef1f4"/>`);
      out.push(`<text x="${LEFT_PX - 6}" y="${y}" text-anchor="end" dominant-baseline="middle" fill="#52606d">${escape_html(format_number(tick))}</text>`);
    }
    const coordinates = plot.points.map((point) => `${px(x_scale(point.x))},${px(y_scale(point.y))}`).join(' ');
    out.push(
      `<polyline class="series" fill="none" stroke="${LINE_COLOR}" stroke-width="${plot.style === 'line' ? 1.8 : 0.8}" stroke-opacity="${plot.style === 'line' ? 1 : 0.35}" stroke-linejoin="round" points="${coordinates}">` +
        `<title>${escape_html(plot.y_label)}</title></polyline>`,
    );
    if (plot.style === 'points') {
      for (const point of plot.points) {
        out.push(
          `<circle class="point" cx="${px(x_scale(point.x))}" cy="${px(y_scale(point.y))}" r="3" fill="${LINE_COLOR}">` +
            `<title>${escape_html(point.hint ?? `${format_number(point.x)} s: ${format_number(point.y)}`)}</title></circle>`,
        );
      }
    }
    out.push(`</g>`);
  });
  const axis_y = top + input.plots.length * (PLOT_HEIGHT_PX + PLOT_GAP_PX) - PLOT_GAP_PX + 14;
  for (const tick of x_ticks.ticks) {
    out.push(`<text x="${px(x_scale(tick))}" y="${axis_y + 14}" text-anchor="middle" fill="#52606d">${escape_html(format_number(tick))}</text>`);
  }
  out.push(`<text class="axis-label" x="${px((LEFT_PX + right) / 2)}" y="${height - 4}" text-anchor="middle" fill="#323f4b">${escape_html(input.x_label)}</text>`);
  out.push(svg_close);
  return out.join('');
}
