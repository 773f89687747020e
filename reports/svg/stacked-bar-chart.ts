// Stacked bar chart as an SVG string: each bar is split into named parts (e.g. the phases of a recovery) with a
// legend; the bar's height is the sum of its parts.
import { escape_html } from '../escape.js';
import {
  default_geometry,
  format_number,
  geometry_for_bars,
  linear_scale,
  nice_ticks,
  palette_color,
  plot_area,
  px,
  render_legend,
  render_no_data,
  render_x_axis_categories,
  render_y_axis,
  svg_close,
  svg_open,
  type AxisTitles,
  type ChartGeometry,
} from './common.js';

export interface StackedBar {
  label: string;
  /** One non-negative value per part, in the order of `parts`. */
  values: number[];
}

export interface StackedBarChartInput extends AxisTitles {
  parts: string[];
  bars: StackedBar[];
  geometry?: ChartGeometry;
  /** Unit appended to values in tooltips, e.g. "ms". */
  unit?: string;
}

export function render_stacked_bar_chart(input: StackedBarChartInput): string {
  const geometry = geometry_for_bars(input.geometry ?? default_geometry, input.bars.length);
  const area = plot_area(geometry);
  const output = [svg_open(geometry, input, 'stacked-bar-chart')];
  if (input.bars.length === 0) {
    output.push(render_no_data(geometry), svg_close);
    return output.join('');
  }
  const totals = input.bars.map((bar) => bar.values.reduce((sum, value) => sum + Math.max(0, value), 0));
  const y_ticks = nice_ticks(0, Math.max(...totals), 5);
  const y_scale = linear_scale(y_ticks.low, y_ticks.high, area.bottom, area.top);
  const slot_px = (area.right - area.left) / input.bars.length;
  const bar_px = Math.max(1, Math.min(56, slot_px * 0.7));
  const center_of = (index: number): number => area.left + slot_px * (index + 0.5);
  const unit = input.unit ? ` ${input.unit}` : '';
  output.push(render_y_axis(geometry, y_ticks.ticks, y_scale, input.y_label));
  input.bars.forEach((bar, bar_index) => {
    let base = 0;
    const total = totals[bar_index] ?? 0;
    bar.values.forEach((raw_value, part_index) => {
      const value = Math.max(0, raw_value);
      if (value === 0) return;
      const top = y_scale(base + value);
      const bottom = y_scale(base);
      const part_name = input.parts[part_index] ?? `part ${part_index + 1}`;
      output.push(
        `<rect class="segment" x="${px(center_of(bar_index) - bar_px / 2)}" y="${px(top)}" width="${px(bar_px)}" height="${px(bottom - top)}" ` +
          `fill="${palette_color(part_index)}"><title>${escape_html(`${bar.label} — ${part_name}: ${format_number(value)}${unit} of ${format_number(total)}${unit}`)}</title></rect>`,
      );
      base += value;
    });
  });
  output.push(render_x_axis_categories(geometry, input.bars.map((bar) => bar.label), center_of, input.x_label));
  output.push(render_legend(geometry, input.parts.map((name, index) => ({ name, color: palette_color(index) })), input.title));
  output.push(svg_close);
  return output.join('');
}
