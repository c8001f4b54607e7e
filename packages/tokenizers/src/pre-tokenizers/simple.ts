import { TokenizerConfigError } from '../errors.js';
import { boolField, stringField, type JsonObject } from '../json.js';
import { charFlags, NUMBER, PUNCTUATION, WHITESPACE, WORD } from '../unicode.js';
import { splitAround, SPLIT_BEHAVIORS, type PreTokenizer, type Ranges, type SplitBehavior } from './pre-tokenizer.js';

/** HF `WhitespaceSplit`: pieces are the runs of non-whitespace. */
export class WhitespaceSplit implements PreTokenizer {
  split(text: string, start: number, end: number, out: Ranges): void {
    let wordStart = -1;
    for (let i = start; i < end; i++) {
      const space = (charFlags(text.charCodeAt(i)) & WHITESPACE) !== 0;
      if (!space && wordStart < 0) wordStart = i;
      else if (space && wordStart >= 0) {
        out.push(wordStart, i);
        wordStart = -1;
      }
    }
    if (wordStart >= 0) out.push(wordStart, end);
  }
}

/** HF `Whitespace`: the matches of `\w+|[^\w\s]+` (word runs and punctuation runs; spaces dropped). */
export class Whitespace implements PreTokenizer {
  split(text: string, start: number, end: number, out: Ranges): void {
    let runStart = -1;
    let runKind = 0; // 1 = word, 2 = other non-space
    for (let i = start; i < end; ) {
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const flags = charFlags(cp);
      const kind = flags & WORD ? 1 : flags & WHITESPACE ? 0 : 2;
      if (kind !== runKind) {
        if (runKind !== 0) out.push(runStart, i);
        runStart = i;
        runKind = kind;
      }
      i += width;
    }
    if (runKind !== 0) out.push(runStart, end);
  }
}

/** Splits on characters matching `test`, each matching character being its own delimiter. */
function splitOnChars(
  text: string,
  start: number,
  end: number,
  test: (flags: number) => boolean,
  behavior: SplitBehavior,
  out: Ranges,
): void {
  const matches: number[] = [];
  for (let i = start; i < end; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (test(charFlags(cp))) matches.push(i, i + width);
    i += width;
  }
  splitAround(matches, matches.length / 2, start, end, behavior, false, out);
}

/** HF `Punctuation`. */
export class Punctuation implements PreTokenizer {
  constructor(readonly behavior: SplitBehavior = 'Isolated') {}
  split(text: string, start: number, end: number, out: Ranges): void {
    splitOnChars(text, start, end, (flags) => (flags & PUNCTUATION) !== 0, this.behavior, out);
  }
}

/** HF `Digits`: isolates digits, one by one or as runs. */
export class Digits implements PreTokenizer {
  constructor(readonly individualDigits = false) {}
  split(text: string, start: number, end: number, out: Ranges): void {
    splitOnChars(text, start, end, (flags) => (flags & NUMBER) !== 0, this.individualDigits ? 'Isolated' : 'Contiguous', out);
  }
}

export function behaviorField(config: JsonObject, path: string, fallback?: SplitBehavior): SplitBehavior {
  const value = stringField(config, 'behavior', path, fallback);
  if (!SPLIT_BEHAVIORS.includes(value as SplitBehavior)) {
    throw new TokenizerConfigError(`${path}.behavior`, `expected one of ${SPLIT_BEHAVIORS.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as SplitBehavior;
}

export function punctuationFromJSON(config: JsonObject, path: string): Punctuation {
  return new Punctuation(behaviorField(config, path, 'Isolated'));
}

export function digitsFromJSON(config: JsonObject, path: string): Digits {
  return new Digits(boolField(config, 'individual_digits', path, false));
}
