import { hasLongMarkRun } from './canonical-order.js';
import { optionalBoolField, boolField, type JsonObject } from '../json.js';
import { NormalizedBuilder, NormalizedString } from '../normalized.js';
import { charFlags, isChineseChar, NONSPACING_MARK, OTHER, WHITESPACE } from '../unicode.js';
import { lowercase, lowercaseChar, mapCodePoints, type Normalizer } from './normalizer.js';
import { normalizeAligned } from './unicode-forms.js';

export interface BertNormalizerOptions {
  cleanText?: boolean;
  handleChineseChars?: boolean;
  /** null: follow `lowercase` (HF and the original BERT code). */
  stripAccents?: boolean | null;
  lowercase?: boolean;
}

// Printable ASCII plus \t \n \r: text made only of these needs no cleaning beyond \t\n\r → ' ',
// has no CJK and no accents, so only lowercasing is left and the alignment stays the identity.
const simpleAsciiRe = /^[\x20-\x7e\t\n\r]*$/;
const tabOrNewlineRe = /[\t\n\r]/g;

/**
 * HF `BertNormalizer`, in HF's order: clean text (drop NUL, U+FFFD and control characters, turn any
 * whitespace into ' '), put spaces around CJK ideographs, strip accents (NFD, then drop Mn), lowercase.
 */
export class BertNormalizer implements Normalizer {
  readonly cleanText: boolean;
  readonly handleChineseChars: boolean;
  readonly stripAccents: boolean;
  readonly lowercase: boolean;

  constructor(options: BertNormalizerOptions = {}) {
    this.cleanText = options.cleanText ?? true;
    this.handleChineseChars = options.handleChineseChars ?? true;
    this.lowercase = options.lowercase ?? true;
    this.stripAccents = options.stripAccents ?? this.lowercase;
  }

  normalize(input: NormalizedString): NormalizedString {
    if (simpleAsciiRe.test(input.text)) {
      let text = input.text;
      if (this.cleanText) text = text.replace(tabOrNewlineRe, ' ');
      if (this.lowercase) text = text.toLowerCase();
      if (text === input.text) return input;
      if (input.isIdentity) return new NormalizedString(text, null, null, input.originalStart(0), input.emptyPosition);
    }
    // Long runs of marks take the step-by-step path, whose NFD orders them in O(k log k).
    if (this.stripAccents && hasLongMarkRun(input.text)) return this.normalizeStepByStep(input);
    return this.normalizeInOnePass(input) ?? this.normalizeStepByStep(input);
  }

  /** The four steps one after the other, each with exact alignment (NFD with canonical reordering). */
  private normalizeStepByStep(input: NormalizedString): NormalizedString {
    let s = input;
    if (this.cleanText) s = mapCodePoints(s, cleanChar);
    if (this.handleChineseChars) s = mapCodePoints(s, spaceChineseChar);
    if (this.stripAccents) s = mapCodePoints(normalizeAligned(s, 'NFD'), dropNonspacingMark);
    if (this.lowercase) s = lowercase(s);
    return s;
  }

  /**
   * All four steps in one pass over the text, decomposing character by character. That equals NFD of
   * the whole text unless canonical reordering moves marks across characters; that case is detected
   * (the per-character decomposition is not in NFD) and returns null for the step-by-step path.
   */
  private normalizeInOnePass(input: NormalizedString): NormalizedString | null {
    const text = input.text;
    const n = text.length;
    const out = new NormalizedBuilder(n + (n >> 3));
    const decomposed: string[] | null = this.stripAccents ? [] : null;
    for (let i = 0; i < n; ) {
      let cp = text.charCodeAt(i);
      let width = 1;
      if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < n && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
        cp = text.codePointAt(i)!;
        width = 2;
      }
      const start = input.originalStart(i);
      const end = input.originalEnd(i + width - 1);
      i += width;
      if (this.cleanText) {
        if (cp === 0 || cp === 0xfffd) continue;
        if (cp === 9 || cp === 10 || cp === 13) cp = 32;
        else if (cp >= 0x7f || cp < 0x20) {
          const flags = charFlags(cp);
          if ((flags & OTHER) !== 0) continue;
          if ((flags & WHITESPACE) !== 0) cp = 32;
        }
      }
      if (this.handleChineseChars && isChineseChar(cp)) {
        out.pushUnit(32, start, end);
        this.emit(out, String.fromCodePoint(cp), start, end);
        out.pushUnit(32, start, end);
        decomposed?.push(' ');
        continue;
      }
      if (cp < 0x80) {
        out.pushUnit(this.lowercase && cp >= 65 && cp <= 90 ? cp + 32 : cp, start, end);
        continue;
      }
      const ch = String.fromCodePoint(cp);
      if (decomposed === null) {
        this.emit(out, ch, start, end);
        continue;
      }
      const parts = nfdOf(cp, ch);
      decomposed.push(parts);
      for (let k = 0; k < parts.length; k++) {
        const part = parts.codePointAt(k)!;
        const partWidth = part > 0xffff ? 2 : 1;
        if (!(part >= 0x300 && (charFlags(part) & NONSPACING_MARK) !== 0)) this.emit(out, parts.slice(k, k + partWidth), start, end);
        k += partWidth - 1;
      }
    }
    if (decomposed !== null) {
      // Only non-ASCII characters and spaces are recorded: ASCII characters are NFD starters, which
      // canonical reordering never crosses, so they cannot hide a reordering.
      const joined = decomposed.join('');
      if (hasLongMarkRun(joined) || joined !== joined.normalize('NFD')) return null;
    }
    const base = input.isIdentity ? input.originalStart(0) : 0;
    if (input.isIdentity && out.isIdentityFrom(base)) {
      return new NormalizedString(out.text(), null, null, base, input.emptyPosition);
    }
    return out.build(input.emptyPosition);
  }

  private emit(out: NormalizedBuilder, ch: string, start: number, end: number): void {
    out.push(this.lowercase ? lowercaseChar(ch.codePointAt(0)!, ch) : ch, start, end);
  }
}

const nfdCache = new Map<number, string>();

/** NFD of one character, cached (Hangul syllables and accented letters repeat a lot). */
function nfdOf(cp: number, ch: string): string {
  let nfd = nfdCache.get(cp);
  if (nfd === undefined) {
    nfd = ch.normalize('NFD');
    nfdCache.set(cp, nfd);
  }
  return nfd;
}

function cleanChar(cp: number, ch: string): string {
  if (cp === 0x20) return ch;
  if (cp === 9 || cp === 10 || cp === 13) return ' ';
  const flags = charFlags(cp);
  if (cp === 0 || cp === 0xfffd || (flags & OTHER) !== 0) return '';
  return (flags & WHITESPACE) !== 0 ? ' ' : ch;
}

function spaceChineseChar(cp: number, ch: string): string {
  return isChineseChar(cp) ? ` ${ch} ` : ch;
}

function dropNonspacingMark(cp: number, ch: string): string {
  return cp >= 0x300 && (charFlags(cp) & NONSPACING_MARK) !== 0 ? '' : ch;
}

export function stripAccents(input: NormalizedString): NormalizedString {
  return mapCodePoints(input, dropNonspacingMark);
}

export function bertNormalizerFromJSON(config: JsonObject, path: string): BertNormalizer {
  return new BertNormalizer({
    cleanText: boolField(config, 'clean_text', path, true),
    handleChineseChars: boolField(config, 'handle_chinese_chars', path, true),
    stripAccents: optionalBoolField(config, 'strip_accents', path),
    lowercase: boolField(config, 'lowercase', path, true),
  });
}
