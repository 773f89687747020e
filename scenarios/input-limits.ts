// Bounds on what the scenario loader reads, checked before the YAML parser sees the text: file size, strict UTF-8,
// nesting depth (a cheap token scan, since the parser's cost grows with depth), and duplicate keys in one linear pass.
import { readFileSync, statSync } from 'node:fs';
import { Lexer, isMap, isNode, isPair, isScalar, isSeq, type Document, type LineCounter } from 'yaml';

/** A scenario is plain configuration: a few KiB in practice. The YAML parser's cost is what bounds this. */
export const MAX_SCENARIO_FILE_BYTES = 256 * 1024;
/** Nesting levels (mappings and sequences inside each other) a scenario may have; the schema itself needs about 6. */
export const MAX_NESTING_DEPTH = 32;

export type TextRead = { ok: true; text: string; size_bytes: number } | { ok: false; message: string };

function describe_size(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}

/**
 * Reads a text file of at most `max_bytes`: strict UTF-8 (a byte-order mark is dropped), never a directory.
 * `what` names the kind of file in messages ("a scenario file").
 */
export function read_text_file(path: string, max_bytes: number, what: string): TextRead {
  let size_bytes: number;
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return { ok: false, message: `is a directory; expected ${what}` };
    if (!stat.isFile()) return { ok: false, message: `is not a regular file; expected ${what}` };
    size_bytes = stat.size;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { ok: false, message: code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? 'error'})` };
  }
  if (size_bytes > max_bytes) {
    return { ok: false, message: `file is ${size_bytes} bytes; ${what} may be at most ${max_bytes} bytes (${describe_size(max_bytes)})` };
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    return { ok: false, message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})` };
  }
  if (bytes.length > max_bytes) return { ok: false, message: `file grew beyond ${max_bytes} bytes while it was read` };
  const decoded = decode_utf8(bytes);
  if (!decoded.ok) return decoded;
  const control = first_control_character(decoded.text);
  if (control !== undefined) {
    return { ok: false, message: `not a text file: control character U+${control.code.toString(16).toUpperCase().padStart(4, '0')} on line ${control.line}` };
  }
  return { ok: true, text: decoded.text, size_bytes: bytes.length };
}

/** True when `path` names an existing directory. */
export function is_directory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The first C0 control character other than tab, line feed and carriage return, or DEL (YAML and JSON allow none). */
function first_control_character(text: string): { code: number; line: number } | undefined {
  const match = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.exec(text);
  if (match === null) return undefined;
  let line = 1;
  for (let i = 0; i < match.index; i++) if (text.charCodeAt(i) === 10) line++;
  return { code: match[0].charCodeAt(0), line };
}

/** Strict UTF-8: the first invalid byte is reported with its offset and line. */
export function decode_utf8(bytes: Uint8Array): { ok: true; text: string } | { ok: false; message: string } {
  try {
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
    return { ok: true, text };
  } catch {
    const offset = first_invalid_utf8_offset(bytes);
    let line = 1;
    for (let i = 0; i < offset; i++) if (bytes[i] === 0x0a) line++;
    return { ok: false, message: `not UTF-8 text: invalid byte 0x${(bytes[offset] ?? 0).toString(16).padStart(2, '0')} at byte ${offset} (line ${line}); save the file as UTF-8` };
  }
}

/** Offset of the first byte that does not start (or continue) a well-formed UTF-8 sequence. */
function first_invalid_utf8_offset(bytes: Uint8Array): number {
  const in_range = (at: number, low: number, high: number): boolean => {
    const byte = bytes[at];
    return byte !== undefined && byte >= low && byte <= high;
  };
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] ?? 0;
    // The second byte's range depends on the lead byte (no overlong forms, no surrogates, nothing above U+10FFFF).
    let second: [number, number] | undefined;
    let length = 0;
    if (lead < 0x80) length = 1;
    else if (lead >= 0xc2 && lead <= 0xdf) [length, second] = [2, [0x80, 0xbf]];
    else if (lead === 0xe0) [length, second] = [3, [0xa0, 0xbf]];
    else if (lead === 0xed) [length, second] = [3, [0x80, 0x9f]];
    else if (lead >= 0xe1 && lead <= 0xef) [length, second] = [3, [0x80, 0xbf]];
    else if (lead === 0xf0) [length, second] = [4, [0x90, 0xbf]];
    else if (lead === 0xf4) [length, second] = [4, [0x80, 0x8f]];
    else if (lead >= 0xf1 && lead <= 0xf3) [length, second] = [4, [0x80, 0xbf]];
    if (length === 0) return i;
    if (second !== undefined && !in_range(i + 1, second[0], second[1])) return i;
    for (let k = 2; k < length; k++) if (!in_range(i + k, 0x80, 0xbf)) return i;
    i += length;
  }
  return bytes.length;
}

export interface LimitProblem {
  /** Offset into the text, when known. */
  offset?: number;
  message: string;
}

/**
 * A linear scan of the YAML tokens (the lexer, not the parser) that refuses text nested deeper than
 * MAX_NESTING_DEPTH: flow collections (`[[[…`) and compact block collections on one line (`- - - …`).
 */
export function scan_nesting(text: string): LimitProblem | undefined {
  let flow_depth = 0;
  let line_indicators = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    if (token === '[' || token === '{') {
      flow_depth++;
      if (flow_depth > MAX_NESTING_DEPTH) return too_deep(offset);
    } else if (token === ']' || token === '}') {
      flow_depth = Math.max(0, flow_depth - 1);
    } else if (token === '-' || token === '?' || (token === ':' && flow_depth === 0)) {
      line_indicators++;
      if (line_indicators > MAX_NESTING_DEPTH) return too_deep(offset);
    } else if (token === '\n' || token === '\r\n') {
      line_indicators = 0;
    }
    offset += token.length;
  }
  return undefined;
}

function too_deep(offset: number): LimitProblem {
  return { offset, message: `nested more than ${MAX_NESTING_DEPTH} levels deep; a scenario is at most ${MAX_NESTING_DEPTH} levels of mappings and sequences` };
}

/** The nesting depth of a parsed document, refused beyond MAX_NESTING_DEPTH, and keys repeated within one mapping. */
export function check_document_shape(document: Document): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const stack: { node: unknown; depth: number }[] = [{ node: document.contents, depth: 1 }];
  while (stack.length > 0 && problems.length < 50) {
    const { node, depth } = stack.pop() as { node: unknown; depth: number };
    if (!isMap(node) && !isSeq(node)) continue;
    if (depth > MAX_NESTING_DEPTH) {
      problems.push(too_deep(node.range?.[0] ?? 0));
      break;
    }
    if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair)) continue;
        const key = pair.key;
        if (isScalar(key)) {
          const name = `${typeof key.value}:${String(key.value)}`;
          if (seen.has(name)) {
            problems.push({ ...(key.range ? { offset: key.range[0] } : {}), message: `malformed YAML: Map keys must be unique; ${JSON.stringify(String(key.value))} appears more than once` });
          }
          seen.add(name);
        } else if (isNode(key)) {
          stack.push({ node: key, depth: depth + 1 });
        }
        stack.push({ node: pair.value, depth: depth + 1 });
      }
    } else {
      for (const item of node.items) stack.push({ node: item, depth: depth + 1 });
    }
  }
  return problems;
}

/** 1-based line and column of an offset. */
export function position_of(line_counter: LineCounter, offset: number | undefined): { line?: number; column?: number } {
  if (offset === undefined) return {};
  const position = line_counter.linePos(offset);
  return { line: position.line, column: position.col };
}

/**
 * True when parsed JSON nests deeper than `max_depth` (objects and arrays). JSON.parse accepts any depth, but code
 * that walks or prints the value (JSON.stringify, validators) recurses: deep input must be refused before that.
 */
export function json_depth_exceeds(value: unknown, max_depth: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop() as { value: unknown; depth: number };
    if (current === null || typeof current !== 'object') continue;
    if (depth + 1 > max_depth) return true;
    for (const child of Array.isArray(current) ? current : Object.values(current as Record<string, unknown>)) {
      if (child !== null && typeof child === 'object') stack.push({ value: child, depth: depth + 1 });
    }
  }
  return false;
}
