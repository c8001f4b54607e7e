/** A growable list of `[start, end)` ranges over one string (no per-piece objects in the hot path). */
export class Ranges {
  // Annotated: TypeScript >= 5.7 would infer Int32Array<ArrayBuffer>, which older compilers reject in our .d.ts.
  starts: Int32Array = new Int32Array(256);
  ends: Int32Array = new Int32Array(256);
  length = 0;

  push(start: number, end: number): void {
    if (this.length === this.starts.length) {
      const starts = new Int32Array(this.length * 2);
      const ends = new Int32Array(this.length * 2);
      starts.set(this.starts);
      ends.set(this.ends);
      this.starts = starts;
      this.ends = ends;
    }
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.length++;
  }

  clear(): void {
    this.length = 0;
  }
}

/**
 * A pre-tokenizer splits text into the pieces ("words") the model sees. Pieces are ranges of the
 * normalized text; empty pieces are never emitted.
 */
export interface PreTokenizer {
  /** Appends the pieces of `text[start, end)` to `out`. */
  split(text: string, start: number, end: number, out: Ranges): void;
  /** Set by ByteLevel: pieces are spelled in GPT-2's byte alphabet before they reach the model. */
  readonly byteLevel?: boolean;
  /** Set by ByteLevel(add_prefix_space): a space is prepended to text that does not start with one. */
  readonly addPrefixSpace?: boolean;
}

/** How a split treats the delimiters it finds (HF `SplitDelimiterBehavior`). */
export type SplitBehavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';

export const SPLIT_BEHAVIORS: readonly SplitBehavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/**
 * Splits `[start, end)` around `matches` (flat, sorted, non-overlapping `[s, e, …]`) with HF's
 * semantics for each behavior; `invert` swaps what counts as the delimiter.
 */
export function splitAround(
  matches: ArrayLike<number>,
  matchCount: number,
  start: number,
  end: number,
  behavior: SplitBehavior,
  invert: boolean,
  out: Ranges,
): void {
  // Cover [start, end) with alternating (range, isMatch) pieces, as HF's Pattern::find_matches does.
  const pieceStarts: number[] = [];
  const pieceEnds: number[] = [];
  const pieceIsMatch: boolean[] = [];
  let prev = start;
  for (let k = 0; k < matchCount; k++) {
    const s = matches[2 * k];
    const e = matches[2 * k + 1];
    if (s > prev) {
      pieceStarts.push(prev);
      pieceEnds.push(s);
      pieceIsMatch.push(invert);
    }
    pieceStarts.push(s);
    pieceEnds.push(e);
    pieceIsMatch.push(!invert);
    prev = e;
  }
  if (prev < end) {
    pieceStarts.push(prev);
    pieceEnds.push(end);
    pieceIsMatch.push(invert);
  }
  const n = pieceStarts.length;
  switch (behavior) {
    case 'Removed':
      for (let k = 0; k < n; k++) if (!pieceIsMatch[k]) out.push(pieceStarts[k], pieceEnds[k]);
      return;
    case 'Isolated':
      for (let k = 0; k < n; k++) out.push(pieceStarts[k], pieceEnds[k]);
      return;
    case 'Contiguous': {
      let k = 0;
      while (k < n) {
        let j = k + 1;
        while (j < n && pieceIsMatch[j] === pieceIsMatch[k]) j++;
        out.push(pieceStarts[k], pieceEnds[j - 1]);
        k = j;
      }
      return;
    }
    case 'MergedWithPrevious': {
      let pendingStart = -1;
      let pendingEnd = -1;
      let previousMatch = false;
      for (let k = 0; k < n; k++) {
        if (pieceIsMatch[k] && !previousMatch && pendingStart >= 0) {
          pendingEnd = pieceEnds[k];
        } else {
          if (pendingStart >= 0) out.push(pendingStart, pendingEnd);
          pendingStart = pieceStarts[k];
          pendingEnd = pieceEnds[k];
        }
        previousMatch = pieceIsMatch[k];
      }
      if (pendingStart >= 0) out.push(pendingStart, pendingEnd);
      return;
    }
    case 'MergedWithNext': {
      const merged: number[] = [];
      let previousMatch = false;
      for (let k = n - 1; k >= 0; k--) {
        if (pieceIsMatch[k] && !previousMatch && merged.length > 0) {
          merged[merged.length - 2] = pieceStarts[k];
        } else {
          merged.push(pieceStarts[k], pieceEnds[k]);
        }
        previousMatch = pieceIsMatch[k];
      }
      for (let k = merged.length - 2; k >= 0; k -= 2) out.push(merged[k], merged[k + 1]);
      return;
    }
  }
}
