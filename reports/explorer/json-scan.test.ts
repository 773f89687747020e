// Specification of the byte-level JSON scanner: it accepts exactly what JSON.parse accepts and locates the
// top-level fields the index reads.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIELD_KIND, FIELD_NODE, FIELD_TIME_MS, JsonScanResult, max_json_depth, scan_json_line } from './json-scan.js';

function accepts(text: string): boolean {
  const buffer = Buffer.from(text, 'utf8');
  return scan_json_line(buffer, 0, buffer.length, new JsonScanResult()).error === undefined;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('scan_json_line', () => {
  it('accepts every JSON document', () => {
    fc.assert(fc.property(fc.json({ depthSize: 'small' }), (text) => accepts(text)));
  });

  it('agrees with JSON.parse on documents with one character inserted or removed', () => {
    fc.assert(
      fc.property(fc.json({ depthSize: 'small' }), fc.nat(), fc.constantFrom('', '"', ',', '}', ']', '{', '\\', 'x', '1', '-', ' ', '.', 'e'), (text, at, inserted) => {
        const position = at % (text.length + 1);
        const removed = text.slice(0, position) + text.slice(position + 1);
        const added = text.slice(0, position) + inserted + text.slice(position);
        expect(accepts(removed)).toBe(parses(removed));
        expect(accepts(added)).toBe(parses(added));
      }),
    );
  });

  it('rejects classic mistakes with a reason and a column', () => {
    for (const bad of ['{"a":1,}', '{"a" 1}', "{'a':1}", '{"a":01}', '{"a":tru}', '{"a":"x\ty"}', '{"a":1} x', '', '{"a":"\\q"}']) {
      const buffer = Buffer.from(bad);
      const result = scan_json_line(buffer, 0, buffer.length, new JsonScanResult());
      expect(result.error, bad).toBeTypeOf('string');
    }
    const buffer = Buffer.from('{"kind":"send",,}');
    expect(scan_json_line(buffer, 0, buffer.length, new JsonScanResult()).error_at).toBe(15);
  });

  it('reports nesting beyond its bound as malformed instead of overflowing the stack', () => {
    const deep = '['.repeat(max_json_depth + 2) + ']'.repeat(max_json_depth + 2);
    expect(accepts(deep)).toBe(false);
    const fine = '['.repeat(max_json_depth) + ']'.repeat(max_json_depth);
    expect(accepts(fine)).toBe(true);
  });

  it('locates top-level fields only, decoding escaped strings and numbers', () => {
    const text = '  {"msg":{"kind":"inner","node":"x"},"kind":"de\\"liver","time_ms":1250.5,"node":"tm-ü"}';
    const buffer = Buffer.from(text, 'utf8');
    const result = scan_json_line(buffer, 0, buffer.length, new JsonScanResult());
    expect(result.error).toBeUndefined();
    expect(result.is_object).toBe(true);
    expect(result.string_field(buffer, FIELD_KIND)).toBe('de"liver');
    expect(result.number_field(buffer, FIELD_TIME_MS)).toBe(1250.5);
    expect(result.string_field(buffer, FIELD_NODE)).toBe('tm-ü');
  });

  it('reads a line in the middle of a larger buffer', () => {
    const buffer = Buffer.from('garbage{"kind":"end","time_ms":42}garbage');
    const result = scan_json_line(buffer, 7, buffer.length - 7, new JsonScanResult());
    expect(result.error).toBeUndefined();
    expect(result.string_field(buffer, FIELD_KIND)).toBe('end');
    expect(result.number_field(buffer, FIELD_TIME_MS)).toBe(42);
  });
});
