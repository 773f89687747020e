// Specification of the SVG charts: the marks match the data, axes carry their labels, run text is escaped, and
// empty input gives a labelled placeholder instead of a broken chart.
import { describe, expect, it } from 'vitest';
import { parse_xml, type XmlElement } from '../test-support/xml.js';
import { render_bar_chart } from './bar-chart.js';
import { render_line_chart } from './line-chart.js';
import { render_stacked_bar_chart } from './stacked-bar-chart.js';
import { render_timeline } from './timeline.js';

function all_elements(root: XmlElement, name: string): XmlElement[] {
  const found: XmlElement[] = [];
  const visit = (element: XmlElement): void => {
    if (element.name === name) found.push(element);
    element.children.forEach(visit);
  };
  visit(root);
  return found;
}

function texts(root: XmlElement): string[] {
  return all_elements(root, 'text').map((t) => t.text);
}

const titles = { title: 'T', x_label: 'virtual time (s)', y_label: 'records (count)' };

describe('render_line_chart', () => {
  it('draws one polyline per series with a point per datum, axes labelled with units', () => {
    const svg = parse_xml(
      render_line_chart({
        ...titles,
        series: [
          { name: 'a', points: [{ x: 0, y: 1 }, { x: 1, y: 3 }, { x: 2, y: 2 }] },
          { name: 'b', points: [{ x: 0, y: 0 }, { x: 2, y: 4 }] },
        ],
      }),
    );
    expect(svg.name).toBe('svg');
    const lines = all_elements(svg, 'polyline');
    expect(lines.map((line) => line.attributes.points?.split(' ').length)).toEqual([3, 2]);
    expect(texts(svg)).toEqual(expect.arrayContaining(['virtual time (s)', 'records (count)', 'a', 'b']));
  });

  it('puts higher values higher on the page', () => {
    const svg = parse_xml(render_line_chart({ ...titles, series: [{ name: 'a', points: [{ x: 0, y: 1 }, { x: 1, y: 5 }] }] }));
    const [first, second] = (all_elements(svg, 'polyline')[0]?.attributes.points ?? '').split(' ').map((p) => Number(p.split(',')[1]));
    expect(second).toBeLessThan(first!);
  });

  it('shows "no data" for empty series', () => {
    const svg = parse_xml(render_line_chart({ ...titles, series: [{ name: 'a', points: [] }] }));
    expect(all_elements(svg, 'polyline')).toHaveLength(0);
    expect(texts(svg)).toContain('no data');
  });
});

describe('render_bar_chart', () => {
  it('draws bars whose heights are proportional to their values, coloured by tone', () => {
    const svg = parse_xml(
      render_bar_chart({ ...titles, bars: [{ label: '1', value: 100 }, { label: '2', value: 50, tone: 'warning' }], tone_names: { warning: 'aborted' } }),
    );
    const bars = all_elements(svg, 'rect').filter((rect) => rect.attributes.class === 'bar');
    expect(bars).toHaveLength(2);
    const heights = bars.map((bar) => Number(bar.attributes.height));
    expect(heights[0]! / heights[1]!).toBeCloseTo(2, 1);
    expect(bars[0]?.attributes.fill).not.toBe(bars[1]?.attributes.fill);
    expect(texts(svg)).toContain('aborted');
  });

  it('escapes labels and hints', () => {
    const markup = render_bar_chart({ ...titles, title: '<b>t</b>', bars: [{ label: '<script>x</script>', value: 1 }] });
    expect(markup).not.toContain('<script');
    expect(markup).not.toContain('<b>');
    expect(texts(parse_xml(markup))).toContain('<script>x</script>');
  });
});

describe('render_stacked_bar_chart', () => {
  it('stacks one segment per non-zero part, bar height the sum of the parts, with a legend', () => {
    const svg = parse_xml(
      render_stacked_bar_chart({
        ...titles,
        parts: ['detect', 'redeploy', 'load'],
        bars: [{ label: 'r1', values: [300, 100, 0] }, { label: 'r2', values: [100, 100, 200] }],
      }),
    );
    const segments = all_elements(svg, 'rect').filter((rect) => rect.attributes.class === 'segment');
    expect(segments).toHaveLength(5);
    const height_of = (label: string): number =>
      segments.filter((s) => s.children[0]?.text.startsWith(`${label} —`)).reduce((sum, s) => sum + Number(s.attributes.height), 0);
    expect(height_of('r2') / height_of('r1')).toBeCloseTo(1, 1);
    expect(texts(svg)).toEqual(expect.arrayContaining(['detect', 'redeploy', 'load']));
    expect(segments[0]?.children[0]?.text).toBe('r1 — detect: 300 of 400');
  });
});

describe('render_timeline', () => {
  it('has a lane per subject with events as markers and intervals as spans on a time axis', () => {
    const svg = parse_xml(
      render_timeline({
        title: 'Faults',
        x_label: 'virtual time (s)',
        start: 0,
        end: 60,
        categories: ['fault', 'recovery'],
        lanes: [
          { name: 'tm-1', events: [{ time: 10, label: 'crash', category: 0 }], spans: [] },
          { name: 'job', events: [], spans: [{ start: 10, end: 14, label: 'recovery', category: 1 }] },
        ],
      }),
    );
    expect(all_elements(svg, 'path').filter((p) => p.attributes.class === 'event')).toHaveLength(1);
    const spans = all_elements(svg, 'rect').filter((r) => r.attributes.class === 'span');
    expect(spans).toHaveLength(1);
    expect(texts(svg)).toEqual(expect.arrayContaining(['tm-1', 'job', 'virtual time (s)', 'fault', 'recovery']));
  });

  it('shows a placeholder when nothing happened', () => {
    const svg = parse_xml(render_timeline({ title: 'Faults', x_label: 'virtual time (s)', start: 0, end: 1, categories: [], lanes: [] }));
    expect(texts(svg)).toContain('no faults, checkpoints or recoveries');
  });
});

describe('category axis labels', () => {
  it('shortens labels wider than their slot with an ellipsis and keeps the full text as a tooltip', () => {
    const long_name = 'unaligned-idempotent-partition-with-a-long-name';
    const svg = parse_xml(render_bar_chart({ ...titles, bars: ['a', 'b', 'c', 'd'].map((suffix) => ({ label: `${long_name}-${suffix}`, value: 1 })) }));
    const axis_labels = all_elements(svg, 'g').find((g) => g.attributes.class === 'x-axis')!.children.filter((c) => c.name === 'text' && c.attributes.class !== 'axis-label');
    expect(axis_labels).toHaveLength(4);
    for (const text of axis_labels) {
      expect(text.text.endsWith('…')).toBe(true);
      expect(text.text.length).toBeLessThan(long_name.length);
      expect(text.children[0]?.text.startsWith(long_name)).toBe(true);
    }
  });

  it('labels every one of many bars: labels stand vertically and the chart grows so each has a 12 px slot', () => {
    const svg = parse_xml(render_bar_chart({ ...titles, bars: Array.from({ length: 200 }, (_, index) => ({ label: String(index + 1), value: index })) }));
    expect(Number(svg.attributes.width)).toBeGreaterThanOrEqual(200 * 12);
    const axis_labels = all_elements(svg, 'g').find((g) => g.attributes.class === 'x-axis')!.children.filter((c) => c.name === 'text' && c.attributes.class !== 'axis-label');
    expect(axis_labels.map((label) => label.text)).toEqual(Array.from({ length: 200 }, (_, index) => String(index + 1)));
    expect(axis_labels.every((label) => /^rotate\(-90 /.test(label.attributes.transform ?? ''))).toBe(true);
  });
});
