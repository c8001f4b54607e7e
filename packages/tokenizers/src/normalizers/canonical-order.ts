import { NormalizedBuilder, NormalizedString } from '../normalized.js';

/**
 * Canonical ordering of long runs of combining marks, done here in O(k log k) before
 * `String.prototype.normalize` sees the text. V8's normalize (ICU) sorts the marks after a base
 * character by insertion, so 'a' followed by 16,000 alternating U+0301 U+0316 takes seconds and a
 * megabyte of them hours; Hugging Face's Rust normalizer sorts them in O(k log k). Already-ordered
 * runs cost ICU linear time, so only the long runs are decomposed and stably sorted by combining class
 * here; the result is canonically equivalent (every normalization form of it is the same), and each
 * code unit keeps the original range of the character it came from.
 *
 * There is no combining-class table in this package: the order of two marks is asked of `normalize`
 * itself on the pair (it swaps b before a exactly when ccc(b) < ccc(a)), and is cached.
 */

/** Runs of at least this many marks are reordered here (real text never has them). */
const LONG_RUN = 32;
const longRunRe = new RegExp(`\\p{M}{${LONG_RUN},}`, 'u');
const markRunRe = new RegExp(`\\p{M}{${LONG_RUN},}`, 'gu');

export function hasLongMarkRun(text: string): boolean {
  return longRunRe.test(text);
}

/** `input` with each run of ≥ 32 marks decomposed and canonically ordered, alignment kept. */
export function orderLongMarkRuns(input: NormalizedString): NormalizedString {
  const text = input.text;
  const builder = new NormalizedBuilder(text.length + (text.length >> 2));
  let last = 0;
  for (const match of text.matchAll(markRunRe)) {
    const start = match.index!;
    builder.copyFrom(input, last, start);
    // Decompose each mark; keep where it came from.
    const points: Array<{ cp: number; start: number; end: number }> = [];
    for (let i = start; i < start + match[0].length; ) {
      const cp = text.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const from = input.originalStart(i);
      const to = input.originalEnd(i + width - 1);
      for (const part of String.fromCodePoint(cp).normalize('NFD')) points.push({ cp: part.codePointAt(0)!, start: from, end: to });
      i += width;
    }
    // Sort each stretch between starters (a decomposition may hold one) by combining class, stably.
    let from = 0;
    for (let k = 0; k <= points.length; k++) {
      if (k === points.length || isStarter(points[k].cp)) {
        for (const point of mergeSort(points.slice(from, k), (x, y) => comesBefore(x.cp, y.cp))) {
          builder.push(String.fromCodePoint(point.cp), point.start, point.end);
        }
        if (k < points.length) builder.push(String.fromCodePoint(points[k].cp), points[k].start, points[k].end);
        from = k + 1;
      }
    }
    last = start + match[0].length;
  }
  builder.copyFrom(input, last, text.length);
  return builder.build(input.emptyPosition);
}

const starterCache = new Map<number, boolean>();
const orderCache = new Map<number, boolean>();

/** ccc(cp) = 0? U+0345 has the highest class (240): every other non-starter moves before it. */
function isStarter(cp: number): boolean {
  let starter = starterCache.get(cp);
  if (starter === undefined) {
    const probe = `\u0345${String.fromCodePoint(cp)}`;
    starter = cp !== 0x345 && probe.normalize('NFD') === probe;
    starterCache.set(cp, starter);
  }
  return starter;
}

/** ccc(b) < ccc(a) for two non-starters, i.e. canonical ordering puts b first. */
function comesBefore(b: number, a: number): boolean {
  const key = a * 0x110000 + b;
  let before = orderCache.get(key);
  if (before === undefined) {
    const pair = String.fromCodePoint(a, b);
    before = pair.normalize('NFD') !== pair;
    orderCache.set(key, before);
  }
  return before;
}

/** Stable merge sort; `before(x, y)` says x must precede y. */
function mergeSort<T>(items: T[], before: (x: T, y: T) => boolean): T[] {
  if (items.length < 2) return items;
  const middle = items.length >> 1;
  const left = mergeSort(items.slice(0, middle), before);
  const right = mergeSort(items.slice(middle), before);
  const out: T[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length && j < right.length) out.push(before(right[j], left[i]) ? right[j++] : left[i++]);
  while (i < left.length) out.push(left[i++]);
  while (j < right.length) out.push(right[j++]);
  return out;
}
