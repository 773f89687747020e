// Specification of the strict XML reader the JUnit tests rely on: it must reject what a CI parser would reject.
import { describe, expect, it } from 'vitest';
import { parse_xml } from './xml.js';

describe('parse_xml', () => {
  it('reads elements, attributes, text and entities', () => {
    const root = parse_xml('<?xml version="1.0"?>\n<a x="1 &amp; &#60;2&#x3E;"><b/>t&lt;u<!-- c --></a>');
    expect(root.attributes.x).toBe('1 & <2>');
    expect(root.children.map((c) => c.name)).toEqual(['b']);
    expect(root.text).toBe('t<u');
  });

  it.each([
    ['a stray < in text', '<a>1 < 2</a>'],
    ['a bare & in text', '<a>fish & chips</a>'],
    ['a raw < in an attribute', '<a x="<"/>'],
    ['mismatched tags', '<a><b></a></b>'],
    ['an unclosed element', '<a><b/>'],
    ['two roots', '<a/><b/>'],
    ['an unknown entity', '<a>&nbsp;</a>'],
    ['an unquoted attribute', '<a x=1/>'],
  ])('rejects %s', (_label, source) => {
    expect(() => parse_xml(source)).toThrow();
  });
});
