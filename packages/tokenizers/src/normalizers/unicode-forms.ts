import { UnsupportedComponentError } from '../errors.js';
import { NormalizedBuilder, NormalizedString } from '../normalized.js';
import { hasLongMarkRun, orderLongMarkRuns } from './canonical-order.js';
import { isAscii, type Normalizer } from './normalizer.js';

export type NormalizationForm = 'NFC' | 'NFD' | 'NFKC' | 'NFKD';

const markRe = /^[\p{M}\u1160-\u11ff\ud7b0-\ud7ff]/u; // marks and Hangul medial/final jamo compose backwards

/**
 * Unicode normalization with alignment. The text itself is always `String.prototype.normalize`; only
 * the alignment is worked out here:
 * - NFD / NFKD: decomposition is per character and canonical reordering only permutes the result, so
 *   every output character is matched to the input character it came from exactly.
 * - NFC / NFKC: the text is cut before every character that is not a combining mark or medial/final
 *   jamo; each segment composes on its own and its output is aligned to the whole segment.
 */
export function normalizeAligned(input: NormalizedString, form: NormalizationForm): NormalizedString {
  if (isAscii(input.text)) return input; // every form leaves ASCII as it is
  if (hasLongMarkRun(input.text)) input = orderLongMarkRuns(input); // keeps normalize() linear
  const text = input.text;
  const whole = text.normalize(form);
  if (whole === text) return input;
  return form === 'NFD' || form === 'NFKD' ? alignDecomposed(input, whole, form) : alignComposed(input, whole, form);
}

function alignDecomposed(input: NormalizedString, whole: string, form: NormalizationForm): NormalizedString {
  const text = input.text;
  const pieces: string[] = [];
  const pieceStarts: number[] = [];
  const pieceEnds: number[] = [];
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const ch = text.slice(i, i + width);
    pieces.push(cp < 0x80 ? ch : ch.normalize(form));
    pieceStarts.push(input.originalStart(i));
    pieceEnds.push(input.originalEnd(i + width - 1));
    i += width;
  }
  const builder = new NormalizedBuilder(whole.length);
  if (pieces.join('') === whole) {
    for (let k = 0; k < pieces.length; k++) builder.push(pieces[k], pieceStarts[k], pieceEnds[k]);
    return builder.build(input.emptyPosition);
  }
  // Canonical reordering moved some marks: match each output code point to the first unused
  // identical code point of the per-character decompositions (reordering never crosses a starter).
  const units: { cp: number; start: number; end: number; used: boolean }[] = [];
  for (let k = 0; k < pieces.length; k++) {
    for (const ch of pieces[k]) units.push({ cp: ch.codePointAt(0)!, start: pieceStarts[k], end: pieceEnds[k], used: false });
  }
  let firstFree = 0;
  for (const ch of whole) {
    const cp = ch.codePointAt(0)!;
    let k = firstFree;
    while (k < units.length && (units[k].used || units[k].cp !== cp)) k++;
    const unit = units[k < units.length ? k : firstFree];
    if (k < units.length) units[k].used = true;
    builder.push(ch, unit.start, unit.end);
    while (firstFree < units.length && units[firstFree].used) firstFree++;
  }
  return builder.build(input.emptyPosition);
}

function alignComposed(input: NormalizedString, whole: string, form: NormalizationForm): NormalizedString {
  const text = input.text;
  const builder = new NormalizedBuilder(whole.length);
  const outputs: string[] = [];
  let segStart = 0;
  const flush = (segEnd: number) => {
    if (segEnd <= segStart) return;
    const segment = text.slice(segStart, segEnd);
    const composed = segment.normalize(form);
    if (composed === segment) builder.copyFrom(input, segStart, segEnd);
    else builder.push(composed, input.originalStart(segStart), input.originalEnd(segEnd - 1));
    outputs.push(composed);
  };
  for (let i = 0; i < text.length; ) {
    const cp = text.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    if (i > 0 && !markRe.test(text.slice(i, i + width))) {
      flush(i);
      segStart = i;
    }
    i += width;
  }
  flush(text.length);
  if (outputs.join('') === whole) return builder.build(input.emptyPosition);
  // A composition crossed our segment boundaries: keep the exact text, align it coarsely.
  const coarse = new NormalizedBuilder(whole.length);
  coarse.push(whole, input.originalStart(0), input.originalEnd(text.length - 1));
  return coarse.build(input.emptyPosition);
}

export class UnicodeNormalizer implements Normalizer {
  constructor(readonly form: NormalizationForm) {}
  normalize(input: NormalizedString): NormalizedString {
    return normalizeAligned(input, this.form);
  }
}

export function unicodeNormalizerFromJSON(form: string, path: string): UnicodeNormalizer {
  if (form !== 'NFC' && form !== 'NFD' && form !== 'NFKC' && form !== 'NFKD') {
    throw new UnsupportedComponentError('normalizer', form, path);
  }
  return new UnicodeNormalizer(form);
}
