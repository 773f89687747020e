// Escaping of run-provided strings for the text formats the reports emit: HTML/SVG text and attributes, XML.
// Every string that comes from a run (names, keys, messages, payloads) passes through one of these.

/** Characters XML 1.0 forbids anywhere (C0 controls except tab/newline/return, lone surrogates, U+FFFE/U+FFFF). */
const xml_forbidden_chars = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const entity_by_char: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for use in HTML, SVG or XML content and in double- or single-quoted attribute values. */
export function escape_markup(text: string): string {
  return text.replace(xml_forbidden_chars, '\uFFFD').replace(/[&<>"']/g, (char) => entity_by_char[char] ?? char);
}

/** Alias used by the HTML and SVG writers. */
export const escape_html = escape_markup;

/** Alias used by the JUnit writer; also replaces characters XML 1.0 cannot carry with U+FFFD. */
export const escape_xml = escape_markup;

/** Escapes an XML attribute value so that parsers keep tabs and line breaks (attribute normalisation would not). */
export function escape_xml_attribute(text: string): string {
  return escape_markup(text).replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;');
}
