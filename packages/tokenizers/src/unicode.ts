/**
 * Character classes used by the normalizers and pre-tokenizers, computed once per code point and
 * cached (a flat table for the BMP, a map for the rest): the hot loops then cost one array read per
 * character instead of a regex test.
 *
 * Whitespace is Unicode White_Space, which is what Rust's `char::is_whitespace`, Oniguruma's `\s` and
 * Rust regex's `\s` mean. JavaScript's `\s` differs (it adds U+FEFF and drops U+0085), so it is not used.
 */

export const LETTER = 1 << 1; // \p{L}
export const NUMBER = 1 << 2; // \p{N}
export const WHITESPACE = 1 << 3; // White_Space
export const PUNCTUATION = 1 << 4; // \p{P} or ASCII punctuation (BERT's definition)
export const OTHER = 1 << 5; // \p{C}: Cc, Cf, Cs, Co, Cn
export const NONSPACING_MARK = 1 << 6; // \p{Mn}
export const WORD = 1 << 7; // Rust regex \w: Alphabetic, M, Nd, Pc, Join_Control
const KNOWN = 1;

const letterRe = /\p{L}/u;
const numberRe = /\p{N}/u;
const whitespaceRe = /\p{White_Space}/u;
const punctuationRe = /\p{P}/u;
const otherRe = /\p{C}/u;
const nonspacingMarkRe = /\p{Mn}/u;
const wordRe = /[\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\p{Join_Control}]/u;

function computeFlags(cp: number): number {
  const ch = String.fromCodePoint(cp);
  let flags = KNOWN;
  if (letterRe.test(ch)) flags |= LETTER;
  if (numberRe.test(ch)) flags |= NUMBER;
  if (whitespaceRe.test(ch)) flags |= WHITESPACE;
  // Rust's `char::is_ascii_punctuation` counts $ + < = > ^ ` | ~ (symbols in Unicode) as punctuation.
  if (punctuationRe.test(ch) || (cp < 0x80 && /[!-/:-@[-`{-~]/.test(ch))) flags |= PUNCTUATION;
  if (otherRe.test(ch)) flags |= OTHER;
  if (nonspacingMarkRe.test(ch)) flags |= NONSPACING_MARK;
  if (wordRe.test(ch)) flags |= WORD;
  return flags;
}

const bmpFlags = new Uint8Array(0x10000);
const astralFlags = new Map<number, number>();
for (let cp = 0; cp < 0x80; cp++) bmpFlags[cp] = computeFlags(cp);

/** The class bits of a code point (any value 0..0x10FFFF, lone surrogates included). */
export function charFlags(cp: number): number {
  if (cp < 0x10000) {
    const cached = bmpFlags[cp];
    if (cached !== 0) return cached;
    const flags = computeFlags(cp);
    bmpFlags[cp] = flags;
    return flags;
  }
  let flags = astralFlags.get(cp);
  if (flags === undefined) {
    flags = computeFlags(cp);
    astralFlags.set(cp, flags);
  }
  return flags;
}

export function isWhitespace(cp: number): boolean {
  return (charFlags(cp) & WHITESPACE) !== 0;
}

/** BERT's `_is_chinese_char`: the CJK Unified Ideograph blocks (not Hiragana, Katakana or Hangul). */
export function isChineseChar(cp: number): boolean {
  return (
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x20000 && cp <= 0x2a6df) ||
    (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) ||
    (cp >= 0x2b920 && cp <= 0x2ceaf) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0x2f800 && cp <= 0x2fa1f)
  );
}

/** UTF-16 length of the code point starting at `i` (2 for a valid surrogate pair, else 1). */
export function charWidth(text: string, i: number): number {
  const c = text.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
    const d = text.charCodeAt(i + 1);
    if (d >= 0xdc00 && d <= 0xdfff) return 2;
  }
  return 1;
}

const loneSurrogateRe = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Replaces lone UTF-16 surrogates with U+FFFD, as `TextEncoder` does. Hugging Face tokenizers work on
 * UTF-8, where a lone surrogate cannot exist; this is the same substitution a JS string gets on its
 * way to UTF-8. Lengths are unchanged (one code unit for one), so offsets still index the caller's
 * string.
 */
export function toWellFormed(text: string): string {
  const native = (text as { isWellFormed?: () => boolean }).isWellFormed;
  if (native) {
    return native.call(text) ? text : (text as unknown as { toWellFormed(): string }).toWellFormed();
  }
  return text.replace(loneSurrogateRe, '\ufffd');
}

/** Number of UTF-8 bytes of a code point. */
export function utf8Length(cp: number): number {
  return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}
