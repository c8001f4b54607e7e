/**
 * Reads a safetensors header: the length prefix, then the JSON through a strict parser held to what
 * the reference (Rust, serde_json) reader accepts where `JSON.parse` is laxer:
 *
 * - the header starts with `{` (no byte-order mark, no leading whitespace); only JSON whitespace may follow it;
 * - a key appears once per object (`JSON.parse` keeps the last of duplicates: which tensor is meant?);
 * - a number written with a fraction or exponent (`2.0`, `1e1`) or as `-0` is a float literal, kept as a
 *   `FloatLiteral` so that shapes and offsets, which must be integers, reject it (`JSON.parse` turns
 *   `2.0` into 2);
 * - `\u` escapes must not leave a lone surrogate half;
 * - nesting deeper than 128 is refused (serde_json's limit), so a hostile header cannot exhaust the stack.
 *
 * Objects come back without a prototype, so a key such as `__proto__` is an ordinary key.
 */
import { SafetensorsError } from './errors.js';

/** A number literal that is not a plain integer: its source text, and its value. */
export class FloatLiteral {
  constructor(readonly text: string, readonly value: number) {}
  toString(): string {
    return this.text;
  }
}

/** The reference reader refuses larger headers; a length past this is a corrupt or hostile file. */
export const MAX_HEADER_BYTES = 100_000_000;

const MAX_DEPTH = 128;
const PLAIN = /[^"\\\u0000-\u001f]*/y;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
const LITERALS = [['true', true], ['false', false], ['null', null]] as const;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Parser {
  private at = 0;
  constructor(private readonly text: string, private readonly where: string) {}

  fail(problem: string): SafetensorsError {
    return new SafetensorsError(`${this.where}: header is not valid JSON: ${problem} at character ${this.at}`);
  }

  /** Only whitespace may follow the header object (writers pad it with spaces). */
  end(): void {
    this.skipWhitespace();
    if (this.at !== this.text.length) throw this.fail('trailing characters after the header object');
  }

  skipWhitespace(): void {
    while (this.at < this.text.length) {
      const c = this.text.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return;
      this.at++;
    }
  }

  expect(literal: string): void {
    if (!this.text.startsWith(literal, this.at)) throw this.fail(`expected ${JSON.stringify(literal)}`);
    this.at += literal.length;
  }

  value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw this.fail(`nesting deeper than ${MAX_DEPTH}`);
    this.skipWhitespace();
    const c = this.text[this.at];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    for (const [literal, value] of LITERALS) {
      if (c === literal[0]) {
        this.expect(literal);
        return value;
      }
    }
    return this.number();
  }

  object(depth: number): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    this.at++; // {
    this.skipWhitespace();
    if (this.text[this.at] === '}') return this.at++, out;
    for (;;) {
      this.skipWhitespace();
      if (this.text[this.at] !== '"') throw this.fail('expected a key');
      const keyAt = this.at;
      const key = this.string();
      if (Object.hasOwn(out, key)) {
        this.at = keyAt;
        throw this.fail(`duplicate key ${JSON.stringify(key)}`);
      }
      this.skipWhitespace();
      this.expect(':');
      out[key] = this.value(depth + 1);
      this.skipWhitespace();
      const next = this.text[this.at++];
      if (next === '}') return out;
      if (next !== ',') throw (this.at--, this.fail("expected ',' or '}'"));
    }
  }

  array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.at++; // [
    this.skipWhitespace();
    if (this.text[this.at] === ']') return this.at++, out;
    for (;;) {
      out.push(this.value(depth + 1));
      this.skipWhitespace();
      const next = this.text[this.at++];
      if (next === ']') return out;
      if (next !== ',') throw (this.at--, this.fail("expected ',' or ']'"));
    }
  }

  string(): string {
    this.at++; // "
    let out = '';
    let start = this.at;
    for (;;) {
      PLAIN.lastIndex = this.at;
      PLAIN.test(this.text); // skips to the next quote, backslash or control character
      this.at = PLAIN.lastIndex;
      if (this.at >= this.text.length) throw this.fail('unterminated string');
      const c = this.text.charCodeAt(this.at);
      if (c === 0x22) break;
      if (c < 0x20) throw this.fail('control character in a string');
      out += this.text.slice(start, this.at);
      out += this.escape();
      start = this.at;
    }
    out += this.text.slice(start, this.at);
    this.at++; // "
    return out;
  }

  /** One escape (at the backslash); a `\u` high surrogate must be followed by a `\u` low one. */
  escape(): string {
    const c = this.text[this.at + 1];
    if (c !== undefined && Object.hasOwn(ESCAPES, c)) return (this.at += 2), ESCAPES[c]!;
    if (c !== 'u') throw this.fail('invalid escape');
    const unit = this.hex4(this.at + 2);
    this.at += 6;
    if (unit >= 0xdc00 && unit <= 0xdfff) throw this.fail('lone low surrogate in a \\u escape');
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    const low = this.text.startsWith('\\u', this.at) ? this.hex4(this.at + 2) : -1;
    if (low < 0xdc00 || low > 0xdfff) throw this.fail('lone high surrogate in a \\u escape');
    this.at += 6;
    return String.fromCharCode(unit, low);
  }

  hex4(from: number): number {
    const digits = this.text.slice(from, from + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) throw this.fail('invalid \\u escape');
    return Number.parseInt(digits, 16);
  }

  number(): number | FloatLiteral {
    NUMBER.lastIndex = this.at;
    const match = NUMBER.exec(this.text);
    if (!match) throw this.fail(this.at >= this.text.length ? 'unexpected end' : 'unexpected character');
    this.at += match[0].length;
    const value = Number(match[0]);
    const isFloat = match[1] !== undefined || match[2] !== undefined || Object.is(value, -0);
    return isFloat ? new FloatLiteral(match[0], value) : value;
  }
}

/** Parses a safetensors header's text to a prototype-less object; `where` names the file in errors. */
function parseHeaderJson(text: string, where: string): Record<string, unknown> {
  if (!text.startsWith('{')) {
    const first = text.length === 0 ? 'nothing' : `U+${text.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    throw new SafetensorsError(`${where}: header must start with '{', found ${first}`);
  }
  const parser = new Parser(text, where);
  const header = parser.value(0) as Record<string, unknown>;
  parser.end();
  return header;
}

/** Reads the length prefix and the strict-JSON header of a safetensors file in memory. */
export function parseHeader(bytes: Uint8Array, where: string): { header: Record<string, unknown>; dataStart: number } {
  if (bytes.byteLength < 8) {
    throw new SafetensorsError(`${where}: file is ${bytes.byteLength} bytes, shorter than the 8-byte header length`);
  }
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getBigUint64(0, true);
  if (headerLength > BigInt(MAX_HEADER_BYTES)) {
    throw new SafetensorsError(`${where}: header length ${headerLength} is over the ${MAX_HEADER_BYTES}-byte limit`);
  }
  const dataStart = 8 + Number(headerLength);
  if (dataStart > bytes.byteLength) {
    throw new SafetensorsError(
      `${where}: header length ${headerLength} runs past the end of the file (${bytes.byteLength} bytes)`,
    );
  }
  let text: string;
  try {
    // ignoreBOM keeps a byte-order mark in the text, where the strict parser refuses it.
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, dataStart));
  } catch (error) {
    throw new SafetensorsError(`${where}: header is not valid UTF-8`, { cause: error });
  }
  return { header: parseHeaderJson(text, where), dataStart };
}
