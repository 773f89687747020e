// A small strict XML reader for the tests: elements, double-quoted attributes, text and the five predefined
// entities plus numeric references. It throws on anything malformed (stray `<` or `&`, mismatched tags).

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  /** Concatenated, entity-decoded text directly inside this element. */
  text: string;
}

const named_entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decode_entities(raw: string, where: string): string {
  if (raw.includes('<')) throw new Error(`raw '<' in ${where}`);
  return raw.replace(/&([^;]*);?/g, (match, body: string) => {
    if (!match.endsWith(';')) throw new Error(`unterminated entity in ${where}: ${match}`);
    if (body in named_entities) return named_entities[body] ?? '';
    const numeric = /^#(?:x([0-9a-fA-F]+)|([0-9]+))$/.exec(body);
    if (!numeric) throw new Error(`unknown entity &${body}; in ${where}`);
    return String.fromCodePoint(numeric[1] !== undefined ? parseInt(numeric[1], 16) : parseInt(numeric[2] ?? '', 10));
  });
}

const name_pattern = /^[A-Za-z_][A-Za-z0-9_.:-]*/;

/** Parses a whole document and returns its single root element. */
export function parse_xml(source: string): XmlElement {
  let position = 0;
  const rest = (): string => source.slice(position);
  const skip_space = (): void => {
    while (position < source.length && /\s/.test(source[position] ?? '')) position += 1;
  };
  if (rest().startsWith('<?xml')) {
    const end = source.indexOf('?>', position);
    if (end < 0) throw new Error('unterminated XML declaration');
    position = end + 2;
  }
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  skip_space();
  while (position < source.length) {
    const next_tag = source.indexOf('<', position);
    const text_end = next_tag < 0 ? source.length : next_tag;
    const raw_text = source.slice(position, text_end);
    const top = stack[stack.length - 1];
    if (raw_text.trim().length > 0) {
      if (!top) throw new Error(`text outside the root element: ${raw_text.slice(0, 40)}`);
      top.text += decode_entities(raw_text, `text of <${top.name}>`);
    } else if (top) {
      top.text += raw_text;
    }
    if (next_tag < 0) break;
    position = next_tag;
    if (rest().startsWith('<!--')) {
      const end = source.indexOf('-->', position);
      if (end < 0) throw new Error('unterminated comment');
      position = end + 3;
      continue;
    }
    if (rest().startsWith('</')) {
      position += 2;
      const name = name_pattern.exec(rest())?.[0];
      if (!name) throw new Error('closing tag without a name');
      position += name.length;
      skip_space();
      if (source[position] !== '>') throw new Error(`malformed closing tag </${name}`);
      position += 1;
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`mismatched closing tag </${name}> for <${open?.name ?? 'nothing'}>`);
      continue;
    }
    position += 1;
    const name = name_pattern.exec(rest())?.[0];
    if (!name) throw new Error(`stray '<' at offset ${next_tag}`);
    position += name.length;
    const element: XmlElement = { name, attributes: {}, children: [], text: '' };
    for (;;) {
      skip_space();
      if (rest().startsWith('/>') || rest().startsWith('>')) break;
      const attribute_name = name_pattern.exec(rest())?.[0];
      if (!attribute_name) throw new Error(`malformed attribute in <${name}>`);
      position += attribute_name.length;
      if (source[position] !== '=' || source[position + 1] !== '"') throw new Error(`attribute ${attribute_name} is not ="…"`);
      position += 2;
      const end = source.indexOf('"', position);
      if (end < 0) throw new Error(`unterminated attribute ${attribute_name}`);
      if (attribute_name in element.attributes) throw new Error(`duplicate attribute ${attribute_name}`);
      element.attributes[attribute_name] = decode_entities(source.slice(position, end), `attribute ${attribute_name}`);
      position = end + 1;
      if (!/[\s/>]/.test(source[position] ?? '')) throw new Error(`no space after attribute ${attribute_name}`);
    }
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(element);
    else if (root) throw new Error('more than one root element');
    else root = element;
    if (rest().startsWith('/>')) {
      position += 2;
    } else {
      position += 1;
      stack.push(element);
    }
  }
  if (stack.length > 0) throw new Error(`unclosed element <${stack[stack.length - 1]?.name ?? ''}>`);
  if (!root) throw new Error('no root element');
  return root;
}

export function children_named(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((child) => child.name === name);
}
