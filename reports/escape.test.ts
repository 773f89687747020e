// Specification of markup escaping: the five special characters and characters XML cannot carry.
import { describe, expect, it } from 'vitest';
import { escape_markup, escape_xml_attribute } from './escape.js';

describe('escape_markup', () => {
  it('escapes & < > " and \' so text cannot open tags or close attributes', () => {
    expect(escape_markup(`<a href="x" title='y'>&amp;</a>`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('replaces control characters and lone surrogates that XML 1.0 forbids, keeping tab, newline and pairs', () => {
    expect(escape_markup('a\u0000b\u001bc\td\ne')).toBe('a\uFFFDb\uFFFDc\td\ne');
    expect(escape_markup('x\uD800y')).toBe('x\uFFFDy');
    expect(escape_markup('😀')).toBe('😀');
  });

  it('keeps line breaks and tabs in attributes as character references', () => {
    expect(escape_xml_attribute('a\nb\tc\r')).toBe('a&#10;b&#9;c&#13;');
  });
});
