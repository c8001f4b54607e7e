import { NormalizedBuilder, NormalizedString } from '../normalized.js';

/** A normalizer rewrites text while keeping each output code unit aligned to the original input. */
export interface Normalizer {
  normalize(input: NormalizedString): NormalizedString;
}

const asciiRe = /^[\x00-\x7f]*$/;

export function isAscii(text: string): boolean {
  return asciiRe.test(text);
}

/**
 * Maps every code point through `map` (a replacement string; '' removes it). Each replacement is
 * aligned to the original range of the code point it came from. When every replacement has the
 * length of what it replaces, the alignment is unchanged and no arrays are built.
 */
export function mapCodePoints(input: NormalizedString, map: (cp: number, ch: string) => string): NormalizedString {
  const text = input.text;
  const n = text.length;
  let out: string[] | null = null; // only built once something changes
  let sameLength = true;
  let i = 0;
  for (; i < n; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 1 ? text[i] : text.slice(i, i + 2);
    const replacement = map(cp, ch);
    if (replacement !== ch) {
      if (out === null) out = [text.slice(0, i)];
      if (replacement.length !== width) sameLength = false;
    }
    if (out !== null) out.push(replacement);
    i += width;
  }
  if (out === null) return input;
  if (sameLength && input.isIdentity) {
    return new NormalizedString(out.join(''), null, null, input.originalStart(0), input.emptyPosition);
  }
  const builder = new NormalizedBuilder(n);
  for (i = 0; i < n; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = width === 1 ? text[i] : text.slice(i, i + 2);
    const replacement = map(cp, ch);
    if (replacement === ch) builder.copyFrom(input, i, i + width);
    else if (replacement.length > 0) builder.push(replacement, input.originalStart(i), input.originalEnd(i + width - 1));
    i += width;
  }
  return builder.build(input.emptyPosition);
}

const lowerCache = new Map<number, string>();

/** Per-character full lowercase mapping, like Rust's `char::to_lowercase` (no final-sigma context). */
export function lowercaseChar(cp: number, ch: string): string {
  if (cp < 0x80) return cp >= 65 && cp <= 90 ? String.fromCharCode(cp + 32) : ch;
  let lower = lowerCache.get(cp);
  if (lower === undefined) {
    lower = ch.toLowerCase();
    lowerCache.set(cp, lower);
  }
  return lower;
}

/** Lowercases every character; plain ASCII takes the native path with the alignment unchanged. */
export function lowercase(input: NormalizedString): NormalizedString {
  if (isAscii(input.text)) {
    const lower = input.text.toLowerCase();
    if (lower === input.text) return input;
    return input.isIdentity
      ? new NormalizedString(lower, null, null, input.originalStart(0), input.emptyPosition)
      : mapCodePoints(input, lowercaseChar);
  }
  return mapCodePoints(input, lowercaseChar);
}
