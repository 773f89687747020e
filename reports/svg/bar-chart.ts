// Bar chart as an SVG string: one bar per category on a numeric y axis; a bar may carry a tone (e.g. aborted).
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

export type BarTone = 'normal' | 'warning' | 'muted';

export interface Bar {
  label: string;
  value: number;
  tone?: BarTone;
  /** Tooltip text; defaults to "label: value". */
  hint?: string;
}

export interface BarChartInput extends AxisTitles {
  bars: Bar[];
  geometry?: ChartGeometry;
  /** Legend names for the tones used, e.g. { warning: 'aborted' }. */
  tone_names?: Partial<Record<BarTone, string>>;
  /** Formats values in tooltips and tick labels (default: compact numbers). */
  format_value?: (value: number) => string;
}

export const bar_tone_colors: Record<BarTone, string> = { normal: palette_color(0), warning: '#D55E00', muted: '#9aa5b1' };

export function render_bar_chart(input: BarChartInput): string {
  const geometry = geometry_for_bars(input.geometry ?? default_geometry, input.bars.length);
  const area = plot_area(geometry);
  const format = input.format_value ?? format_number;
  const parts = [svg_open(geometry, input, 'bar-chart')];
  if (input.bars.length === 0) {
    parts.push(render_no_data(geometry), svg_close);
    return parts.join('');
  }
  const y_ticks = nice_ticks(Math.min(0, ...input.bars.map((bar) => bar.value)), Math.max(...input.bars.map((bar) => bar.value)), 5);
  const y_scale = linear_scale(y_ticks.low, y_ticks.high, area.bottom, area.top);
  const slot_px = (area.right - area.left) / input.bars.length;
  const bar_px = Math.max(1, Math.min(48, slot_px * 0.7));
  const center_of = (index: number): number => area.left + slot_px * (index + 0.5);
  parts.push(render_y_axis(geometry, y_ticks.ticks, y_scale, input.y_label, format));
  input.bars.forEach((bar, index) => {
    const top = y_scale(Math.max(0, bar.value));
    const bottom = y_scale(Math.min(0, bar.value));
    const hint = bar.hint ?? `${bar.label}: ${format(bar.value)}`;
    parts.push(
      `<rect class="bar" x="${px(center_of(index) - bar_px / 2)}" y="${px(top)}" width="${px(bar_px)}" height="${px(Math.max(0, bottom - top))}" ` +
        `fill="${bar_tone_colors[bar.tone ?? 'normal']}"><title>${escape_html(hint)}</title></rect>`,
    );
  });
  parts.push(render_x_axis_categories(geometry, input.bars.map((bar) => bar.label), center_of, input.x_label));
  const used_tones = [...new Set(input.bars.map((bar) => bar.tone ?? 'normal'))];
  const legend = used_tones.flatMap((tone) => {
    const name = input.tone_names?.[tone];
    return name === undefined ? [] : [{ name, color: bar_tone_colors[tone] }];
  });
  if (legend.length > 0) parts.push(render_legend(geometry, legend, input.title));
  parts.push(svg_close);
  return parts.join('');
}
