import { charFlags, PUNCTUATION, WHITESPACE } from '../unicode.js';
import type { PreTokenizer, Ranges } from './pre-tokenizer.js';

// ASCII classes: 1 = whitespace, 2 = punctuation, 0 = part of a word.
const asciiKind = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const flags = charFlags(c);
  asciiKind[c] = flags & WHITESPACE ? 1 : flags & PUNCTUATION ? 2 : 0;
}

/**
 * HF `BertPreTokenizer`: splits on whitespace (removed) and isolates every punctuation character
 * (ASCII punctuation, which includes symbols like $ + < = > ^ ` | ~, or Unicode category P).
 */
export class BertPreTokenizer implements PreTokenizer {
  split(text: string, start: number, end: number, out: Ranges): void {
    let wordStart = -1;
    for (let i = start; i < end; ) {
      const c = text.charCodeAt(i);
      let kind: number;
      let width = 1;
      if (c < 0x80) {
        kind = asciiKind[c];
      } else {
        const cp = text.codePointAt(i)!;
        if (cp > 0xffff) width = 2;
        const flags = charFlags(cp);
        kind = flags & WHITESPACE ? 1 : flags & PUNCTUATION ? 2 : 0;
      }
      if (kind === 0) {
        if (wordStart < 0) wordStart = i;
      } else {
        if (wordStart >= 0) {
          out.push(wordStart, i);
          wordStart = -1;
        }
        if (kind === 2) out.push(i, i + width);
      }
      i += width;
    }
    if (wordStart >= 0) out.push(wordStart, end);
  }
}
