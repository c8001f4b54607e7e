import { TokenizerOptionError } from './errors.js';

/**
 * The result of encoding one input (HF `Encoding`, camelCased). All arrays have one entry per token.
 */
export interface Encoding {
  ids: number[];
  tokens: string[];
  /** `[start, end)` of each token in the ORIGINAL input string, in UTF-16 code units; `[0, 0]` for added special and pad tokens. */
  offsets: Array<[number, number]>;
  /** 1 for real tokens, 0 for padding. */
  attentionMask: number[];
  /** Segment ids: 0 for the first sequence, 1 for the pair (BERT). */
  typeIds: number[];
  /** 1 for tokens added by the post-processor ([CLS], [SEP], …) and padding. */
  specialTokensMask: number[];
  /** Index of the pre-tokenized word each token comes from; null for added special and pad tokens. */
  wordIds: Array<number | null>;
  /** 0 or 1: which input sequence the token comes from; null for added special and pad tokens. */
  sequenceIds: Array<number | null>;
  /** Further windows when truncation produced overflow (HF `overflowing`); see `returnOverflowing`. */
  overflowing: Encoding[];
}

// Packed arrays of 0s and 1s kept for slicing: slice() of a packed array is a block copy.
const constantRuns = new Map<unknown, unknown[]>();

/** A packed array of `n` copies of `value` (`new Array(n).fill()` would be holey, and slow to concat). */
export function filled<T>(n: number, value: T): T[] {
  const cacheable = (value === 0 || value === 1 || value === null) && n <= 1 << 20;
  let run = cacheable ? (constantRuns.get(value) as T[] | undefined) : undefined;
  if (run === undefined || run.length < n) {
    run = [];
    const size = cacheable ? Math.max(n, 1024) : n;
    for (let i = 0; i < size; i++) run.push(value);
    if (cacheable) constantRuns.set(value, run);
  }
  return run.length === n ? run.slice() : run.slice(0, n);
}

export function emptyEncoding(): Encoding {
  return {
    ids: [],
    tokens: [],
    offsets: [],
    attentionMask: [],
    typeIds: [],
    specialTokensMask: [],
    wordIds: [],
    sequenceIds: [],
    overflowing: [],
  };
}

/** An encoding made of special tokens only (what post-processors insert). */
export function specialEncoding(ids: readonly number[], tokens: readonly string[], typeId: number): Encoding {
  const n = ids.length;
  return {
    ids: ids.slice(),
    tokens: tokens.slice(),
    offsets: Array.from({ length: n }, () => [0, 0] as [number, number]),
    attentionMask: filled(n, 1),
    typeIds: filled(n, typeId),
    specialTokensMask: filled(n, 1),
    wordIds: filled<number | null>(n, null),
    sequenceIds: filled<number | null>(n, null),
    overflowing: [],
  };
}

export function cloneEncoding(e: Encoding): Encoding {
  return {
    ids: e.ids.slice(),
    tokens: e.tokens.slice(),
    offsets: e.offsets.map((o) => [o[0], o[1]] as [number, number]),
    attentionMask: e.attentionMask.slice(),
    typeIds: e.typeIds.slice(),
    specialTokensMask: e.specialTokensMask.slice(),
    wordIds: e.wordIds.slice(),
    sequenceIds: e.sequenceIds.slice(),
    overflowing: e.overflowing.map(cloneEncoding),
  };
}

function sliceEncoding(e: Encoding, start: number, stop: number): Encoding {
  return {
    ids: e.ids.slice(start, stop),
    tokens: e.tokens.slice(start, stop),
    offsets: e.offsets.slice(start, stop),
    attentionMask: e.attentionMask.slice(start, stop),
    typeIds: e.typeIds.slice(start, stop),
    specialTokensMask: e.specialTokensMask.slice(start, stop),
    wordIds: e.wordIds.slice(start, stop),
    sequenceIds: e.sequenceIds.slice(start, stop),
    overflowing: [],
  };
}

/** Sets every token's sequence id (and the overflowing windows'), as HF `set_sequence_id`. */
export function setSequenceId(e: Encoding, sequenceId: number): void {
  e.sequenceIds.fill(sequenceId);
  for (const o of e.overflowing) setSequenceId(o, sequenceId);
}

export function setTypeIds(e: Encoding, typeId: number): void {
  e.typeIds.fill(typeId);
  for (const o of e.overflowing) setTypeIds(o, typeId);
}

const KEYS = ['ids', 'tokens', 'offsets', 'attentionMask', 'typeIds', 'specialTokensMask', 'wordIds', 'sequenceIds'] as const;

/**
 * Appends `other`'s tokens to `e`. Arrays (and offset pairs) are shared, not copied: callers hand over
 * encodings they no longer use, and copying 300k-token arrays was most of encode's time.
 */
function appendInPlace(e: Encoding, other: Encoding): void {
  if (e.ids.length === 0) {
    for (const key of KEYS) (e[key] as unknown[]) = other[key];
  } else if (other.ids.length <= 64) {
    for (const key of KEYS) {
      const target = e[key] as unknown[];
      for (const item of other[key]) target.push(item);
    }
  } else {
    for (const key of KEYS) (e[key] as unknown[]) = (e[key] as unknown[]).concat(other[key]);
  }
}

/**
 * HF `Encoding::merge_with`: appends `pair`, and combines the overflowing windows — each of ours with
 * the pair and with each of the pair's windows, then ours with each of the pair's windows.
 */
export function mergeWith(e: Encoding, pair: Encoding): void {
  const overflowing: Encoding[] = [];
  for (const own of e.overflowing) {
    const withPair = cloneEncoding(own);
    mergeWith(withPair, cloneEncoding(pair));
    overflowing.push(withPair);
    for (const other of pair.overflowing) {
      const withOther = cloneEncoding(own);
      mergeWith(withOther, cloneEncoding(other));
      overflowing.push(withOther);
    }
  }
  for (const other of pair.overflowing) {
    const selfWithOther = cloneEncoding(e);
    selfWithOther.overflowing = [];
    mergeWith(selfWithOther, cloneEncoding(other));
    overflowing.push(selfWithOther);
  }
  appendInPlace(e, pair);
  e.overflowing = overflowing;
}

export function mergeEncodings(encodings: readonly Encoding[]): Encoding {
  const merged = emptyEncoding();
  for (const e of encodings) mergeWith(merged, e);
  return merged;
}

export type Side = 'right' | 'left';

/**
 * HF `Encoding::truncate`: keeps `maxLength` tokens and moves the rest into `overflowing` windows of
 * `maxLength` tokens that overlap by `stride`.
 */
export function truncateEncoding(e: Encoding, maxLength: number, stride: number, side: Side): Encoding {
  const n = e.ids.length;
  if (maxLength >= n) return e;
  if (maxLength === 0) {
    const result = emptyEncoding();
    result.overflowing.push(e);
    return result;
  }
  if (stride >= maxLength) {
    // HF asserts this (and panics); the window step would be zero or negative.
    throw new TokenizerOptionError('stride', `must be smaller than the tokens kept per sequence (${maxLength} here, special tokens excluded), got ${stride}`);
  }
  const step = maxLength - stride;
  const windows: Array<[number, number]> = [];
  if (side === 'right') {
    for (let start = 0; start < n; start += step) {
      const stop = Math.min(start + maxLength, n);
      windows.push([start, stop]);
      if (stop === n) break;
    }
  } else {
    for (let last = n - 1; last >= 0; last -= step) {
      const stop = last + 1;
      const start = Math.max(0, stop - maxLength);
      windows.push([start, stop]);
      if (start === 0) break;
    }
  }
  const [first, ...rest] = windows.map(([start, stop]) => sliceEncoding(e, start, stop));
  first.overflowing = rest;
  return first;
}

/** HF `Encoding::pad`: pads to `length` (and the overflowing windows too). */
export function padEncoding(e: Encoding, length: number, padId: number, padTypeId: number, padToken: string, side: Side): void {
  for (const o of e.overflowing) padEncoding(o, length, padId, padTypeId, padToken, side);
  const missing = length - e.ids.length;
  if (missing <= 0) return;
  // Whole arrays are joined (never `splice(0, 0, ...pad)`: spreading a million arguments overflows the stack).
  const join = <T>(array: T[], pad: T[]): T[] => (side === 'right' ? array.concat(pad) : pad.concat(array));
  e.ids = join(e.ids, filled(missing, padId));
  e.tokens = join(e.tokens, filled(missing, padToken));
  e.offsets = join(e.offsets, Array.from({ length: missing }, () => [0, 0] as [number, number]));
  e.attentionMask = join(e.attentionMask, filled(missing, 0));
  e.typeIds = join(e.typeIds, filled(missing, padTypeId));
  e.specialTokensMask = join(e.specialTokensMask, filled(missing, 1));
  e.wordIds = join(e.wordIds, filled<number | null>(missing, null));
  e.sequenceIds = join(e.sequenceIds, filled<number | null>(missing, null));
}
