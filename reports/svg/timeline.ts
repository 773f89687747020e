// Timeline as an SVG string: one lane per subject (a process, the checkpoint store, the job) with point events
// (faults, checkpoints) as markers and intervals (recoveries, partitions) as bars, over a virtual-time axis.
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
  svg_close,
  svg_open,
  type ChartGeometry,
} from './common.js';

export interface TimelineEvent {
  time: number;
  label: string;
  /** Index into the categories; decides colour and legend entry. */
  category: number;
}

export interface TimelineSpan {
  start: number;
  end: number;
  label: string;
  category: number;
}

export interface TimelineLane {
  name: string;
  events: TimelineEvent[];
  spans: TimelineSpan[];
}

export interface TimelineInput {
  title: string;
  x_label: string;
  lanes: TimelineLane[];
  /** Legend names, indexed by category. */
  categories: string[];
  /** Colour per category (default: the palette in order). */
  colors?: string[];
  start: number;
  end: number;
  geometry?: ChartGeometry;
}

const lane_height_px = 26;

/** The height a timeline needs for its lanes (pass it in geometry so lanes never squeeze). */
export function timeline_height_px(lane_count: number): number {
  return default_geometry.margin.top_px + default_geometry.margin.bottom_px + Math.max(1, lane_count) * lane_height_px + 8;
}

export function render_timeline(input: TimelineInput): string {
  const base_geometry = input.geometry ?? default_geometry;
  const label_width_px = Math.min(180, 16 + Math.max(6, ...input.lanes.map((lane) => lane.name.length)) * 6.4);
  const geometry: ChartGeometry = {
    ...base_geometry,
    height_px: Math.max(base_geometry.height_px, timeline_height_px(input.lanes.length)),
    margin: { ...base_geometry.margin, left_px: Math.max(base_geometry.margin.left_px, label_width_px) },
  };
  const area = plot_area(geometry);
  const color_of = (category: number): string => input.colors?.[category] ?? palette_color(category);
  const output = [svg_open(geometry, { title: input.title, x_label: input.x_label, y_label: '' }, 'timeline')];
  if (input.lanes.length === 0) {
    output.push(render_no_data(geometry, 'no faults, checkpoints or recoveries'), svg_close);
    return output.join('');
  }
  const x_ticks = nice_ticks(input.start, Math.max(input.end, input.start + 1), 8);
  const x_scale = linear_scale(x_ticks.low, x_ticks.high, area.left, area.right);
  const lane_top = (index: number): number => area.top + 4 + index * lane_height_px;
  input.lanes.forEach((lane, index) => {
    const top = lane_top(index);
    const middle = top + lane_height_px / 2;
    if (index % 2 === 0) output.push(`<rect x="${area.left}" y="${px(top)}" width="${px(area.right - area.left)}" height="${lane_height_px}" fill="#f5f7fa"/>`);
    output.push(`<text class="lane-label" x="${area.left - 8}" y="${px(middle)}" text-anchor="end" dominant-baseline="middle" fill="#323f4b">${escape_html(lane.name)}</text>`);
    for (const span of lane.spans) {
      const left = x_scale(span.start);
      const width = Math.max(2, x_scale(span.end) - left);
      output.push(
        `<rect class="span" x="${px(left)}" y="${px(top + 6)}" width="${px(width)}" height="${lane_height_px - 12}" rx="3" fill="${color_of(span.category)}" fill-opacity="0.55">` +
          `<title>${escape_html(span.label)}</title></rect>`,
      );
    }
    for (const event of lane.events) {
      const x = x_scale(event.time);
      const color = color_of(event.category);
      output.push(
        `<path class="event" d="M ${px(x)} ${px(middle - 7)} L ${px(x + 6)} ${px(middle)} L ${px(x)} ${px(middle + 7)} L ${px(x - 6)} ${px(middle)} Z" fill="${color}" stroke="#ffffff" stroke-width="1">` +
          `<title>${escape_html(event.label)}</title></path>`,
      );
    }
  });
  output.push(render_x_axis_numeric(geometry, x_ticks.ticks, x_scale, input.x_label));
  output.push(render_legend(geometry, input.categories.map((name, index) => ({ name, color: color_of(index) })), input.title));
  output.push(svg_close);
  return output.join('');
}
