import { AddedVocabulary } from './added-vocabulary.js';
import { toByteLevel } from './byte-level.js';
import type { Model } from './models/index.js';
import { NormalizedString } from './normalized.js';
import type { Normalizer } from './normalizers/index.js';
import { Ranges, type PreTokenizer } from './pre-tokenizers/index.js';
import { WordCache } from './word-cache.js';

/**
 * Tokens of one input sequence while they are produced: ids in a plain array (that is what callers
 * keep), offsets and word indices in typed arrays (no per-token objects, no GC pressure), token
 * strings only for added tokens (the rest are looked up from ids at the end).
 */
export class TokenSink {
  ids: number[] = [];
  /** `[start, end)` pairs into the original string; null when only ids are wanted. */
  offsets: Int32Array | null;
  words: Int32Array | null;
  /** Token index → matched text, for added tokens (HF reports the matched text, spaces included). */
  addedText: Map<number, string> | null = null;

  constructor(full: boolean) {
    this.offsets = full ? new Int32Array(512) : null;
    this.words = full ? new Int32Array(256) : null;
  }

  /** Empties the sink for the next sequence, keeping its typed arrays (they are scratch space). */
  reset(): this {
    this.ids = [];
    this.addedText = null;
    return this;
  }

  /** Makes room for `extra` more tokens in the typed arrays. */
  reserve(extra: number): void {
    const need = this.ids.length + extra;
    if (need <= this.words!.length) return;
    const size = Math.max(need, this.words!.length * 2);
    const offsets = new Int32Array(size * 2);
    offsets.set(this.offsets!);
    const words = new Int32Array(size);
    words.set(this.words!);
    this.offsets = offsets;
    this.words = words;
  }
}

const CACHE_CAPACITY = 65_536;
/** Longer words are not cached (HF's limit is 256 bytes): they are rare and would pin memory. */
const MAX_CACHED_WORD = 256;
const asciiRe = /^[\x00-\x7f]*$/;

/**
 * The encoding pipeline of one sequence, in HF's order: split out raw added tokens, normalize, split
 * out normalized added tokens, pre-tokenize, run the model on each word (through a word cache).
 */
export class EncodingPipeline {
  private readonly cache = new WordCache(CACHE_CAPACITY);
  private readonly pieces = new Ranges();
  private readonly byteLevel: boolean;
  private readonly addPrefixSpace: boolean;

  constructor(
    private readonly model: Model,
    private readonly normalizer: Normalizer | null,
    private readonly preTokenizer: PreTokenizer | null,
    private readonly added: AddedVocabulary,
  ) {
    this.byteLevel = preTokenizer?.byteLevel ?? false;
    this.addPrefixSpace = preTokenizer?.addPrefixSpace ?? false;
  }

  /** Appends the tokens of `text` (already well-formed UTF-16) to `sink`. */
  encode(text: string, sink: TokenSink): void {
    const segments = this.added.splitRaw(text);
    let word = 0;
    for (let k = 0; k < segments.length; k += 3) {
      const start = segments[k];
      const end = segments[k + 1];
      const id = segments[k + 2];
      if (id >= 0) {
        this.pushAdded(sink, id, text.slice(start, end), start, end, word++);
        continue;
      }
      let normalized = NormalizedString.identity(text, start, end);
      if (this.normalizer !== null) normalized = this.normalizer.normalize(normalized);
      const inner = this.added.splitNormalized(normalized.text);
      for (let j = 0; j < inner.length; j += 3) {
        const a = inner[j];
        const b = inner[j + 1];
        const innerId = inner[j + 2];
        if (innerId >= 0) {
          const range = [0, 0];
          normalized.originalRange(a, b, range, 0);
          this.pushAdded(sink, innerId, normalized.text.slice(a, b), range[0], range[1], word++);
        } else if (b > a) {
          word = this.encodeWords(normalized, a, b, sink, word);
        }
      }
    }
  }

  private pushAdded(sink: TokenSink, id: number, content: string, start: number, end: number, word: number): void {
    if (sink.offsets !== null) {
      sink.reserve(1);
      const n = sink.ids.length;
      sink.offsets[2 * n] = start;
      sink.offsets![2 * n + 1] = end;
      sink.words![n] = word;
      (sink.addedText ??= new Map()).set(n, content);
    }
    sink.ids.push(id);
  }

  /** Pre-tokenizes `source.text[from, to)` and tokenizes each word; returns the next word index. */
  private encodeWords(source: NormalizedString, from: number, to: number, sink: TokenSink, word: number): number {
    let text = source;
    if (this.addPrefixSpace && source.text.charCodeAt(from) !== 32) {
      text = source.slice(from, to).prepend(' ');
      from = 0;
      to = text.text.length;
    }
    const s = text.text;
    const pieces = this.pieces;
    pieces.clear();
    if (this.preTokenizer !== null) this.preTokenizer.split(s, from, to, pieces);
    else pieces.push(from, to);
    const ids = sink.ids;
    const full = sink.offsets !== null;
    const identity = text.isIdentity;
    const base = identity ? text.originalStart(0) : 0;
    const range = [0, 0];
    const cache = this.cache;
    for (let p = 0; p < pieces.length; p++) {
      const pieceStart = pieces.starts[p];
      const pieceEnd = pieces.ends[p];
      const hash = WordCache.hashRange(s, pieceStart, pieceEnd);
      let triples: Int32Array;
      let first: number;
      let last: number;
      let entry = cache.find(s, pieceStart, pieceEnd, hash);
      if (entry < 0 && pieceEnd - pieceStart <= MAX_CACHED_WORD) {
        entry = cache.add(s, pieceStart, pieceEnd, hash, this.tokenizeWord(s.slice(pieceStart, pieceEnd)));
      }
      if (entry >= 0) {
        triples = cache.values;
        first = cache.valueStarts[entry];
        last = first + cache.valueLengths[entry];
      } else {
        triples = this.tokenizeWord(s.slice(pieceStart, pieceEnd));
        first = 0;
        last = triples.length;
      }
      if (!full) {
        for (let k = first; k < last; k += 3) ids.push(triples[k]);
        word++;
        continue;
      }
      sink.reserve((last - first) / 3);
      const offsets = sink.offsets!;
      const words = sink.words!;
      for (let k = first; k < last; k += 3) {
        const n = ids.length;
        ids.push(triples[k]);
        if (identity) {
          offsets[2 * n] = base + pieceStart + triples[k + 1];
          offsets[2 * n + 1] = base + pieceStart + triples[k + 2];
        } else {
          text.originalRange(pieceStart + triples[k + 1], pieceStart + triples[k + 2], range, 0);
          offsets[2 * n] = range[0];
          offsets[2 * n + 1] = range[1];
        }
        words[n] = word;
      }
      word++;
    }
    return word;
  }

  /** Runs the model on one word; positions in the result are UTF-16 units of `word`. */
  private tokenizeWord(word: string): Int32Array {
    if (!this.byteLevel) return this.model.tokenize(word);
    const triples = this.model.tokenize(toByteLevel(word, 0, word.length));
    if (asciiRe.test(word)) return triples; // one byte per code unit: positions already match
    // Map byte positions back to code units; a token holding part of a character's bytes covers
    // the whole character, as HF's alignments do.
    const unitStart: number[] = [];
    const unitEnd: number[] = [];
    for (let i = 0; i < word.length; ) {
      const cp = word.codePointAt(i)!;
      const width = cp > 0xffff ? 2 : 1;
      const bytes = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      for (let b = 0; b < bytes; b++) {
        unitStart.push(i);
        unitEnd.push(i + width);
      }
      i += width;
    }
    const out = new Int32Array(triples.length);
    for (let k = 0; k < triples.length; k += 3) {
      out[k] = triples[k];
      out[k + 1] = unitStart[triples[k + 1]];
      out[k + 2] = triples[k + 2] > triples[k + 1] ? unitEnd[triples[k + 2] - 1] : unitStart[triples[k + 1]];
    }
    return out;
  }

  clearCache(): void {
    this.cache.clear();
  }
}
