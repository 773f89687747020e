// Line chart as an SVG string: one polyline per series over numeric x and y axes with labels and units.
import { escape_html } from '../escape.js';
import {
  default_geometry,
  linear_scale,
  nice_ticks,
  palette_color,
  plot_area,
  px,
  render_legend,
  render_no_data,
  render_x_axis_numeric,
  render_y_axis,
  svg_close,
  svg_open,
  type AxisTitles,
  type ChartGeometry,
} from './common.js';

export interface LineSeries {
  name: string;
  points: { x: number; y: number }[];
}

export interface LineChartInput extends AxisTitles {
  series: LineSeries[];
  geometry?: ChartGeometry;
  /** Start the y axis at zero (default true: throughput and counts). */
  y_from_zero?: boolean;
}

export function render_line_chart(input: LineChartInput): string {
  const geometry = input.geometry ?? default_geometry;
  const area = plot_area(geometry);
  const all_points = input.series.flatMap((series) => series.points);
  const parts = [svg_open(geometry, input, 'line-chart')];
  if (all_points.length === 0) {
    parts.push(render_no_data(geometry), svg_close);
    return parts.join('');
  }
  const xs = all_points.map((point) => point.x);
  const ys = all_points.map((point) => point.y);
  const x_ticks = nice_ticks(Math.min(...xs), Math.max(...xs), 8);
  const y_ticks = nice_ticks((input.y_from_zero ?? true) ? Math.min(0, ...ys) : Math.min(...ys), Math.max(...ys), 5);
  const x_scale = linear_scale(x_ticks.low, x_ticks.high, area.left, area.right);
  const y_scale = linear_scale(y_ticks.low, y_ticks.high, area.bottom, area.top);
  parts.push(render_y_axis(geometry, y_ticks.ticks, y_scale, input.y_label));
  parts.push(render_x_axis_numeric(geometry, x_ticks.ticks, x_scale, input.x_label));
  input.series.forEach((series, index) => {
    const color = palette_color(index);
    const coordinates = series.points.map((point) => `${px(x_scale(point.x))},${px(y_scale(point.y))}`).join(' ');
    parts.push(
      `<polyline class="series" fill="none" stroke="${color}" stroke-width="1.8" stroke-linejoin="round" points="${coordinates}">` +
        `<title>${escape_html(series.name)}</title></polyline>`,
    );
  });
  if (input.series.length > 1) {
    parts.push(render_legend(geometry, input.series.map((series, index) => ({ name: series.name, color: palette_color(index) })), input.title));
  }
  parts.push(svg_close);
  return parts.join('');
}
