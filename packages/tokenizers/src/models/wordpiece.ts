import { TokenizerConfigError } from '../errors.js';
import { intField, stringField, vocabField, type JsonObject } from '../json.js';
import { VocabularyModel } from './model.js';

export interface WordPieceOptions {
  unkToken?: string;
  continuingSubwordPrefix?: string;
  maxInputCharsPerWord?: number;
}

const EMPTY = new Int32Array(0);

/**
 * HF `WordPiece`: greedy longest-match-first from the left, pieces after the first spelled with the
 * `continuing_subword_prefix` ("##"). A word longer than `max_input_chars_per_word` characters, or with
 * any part that matches nothing, becomes one unknown token covering the whole word.
 */
export class WordPiece extends VocabularyModel {
  readonly unkToken: string;
  readonly continuingSubwordPrefix: string;
  readonly maxInputCharsPerWord: number;
  private readonly unkId: number;
  /** UTF-16 length of the longest vocabulary entry: no longer candidate can match. */
  private readonly longestToken: number;

  constructor(
    vocab: Map<string, number>,
    options: WordPieceOptions = {},
  ) {
    super(vocab);
    this.unkToken = options.unkToken ?? '[UNK]';
    this.continuingSubwordPrefix = options.continuingSubwordPrefix ?? '##';
    this.maxInputCharsPerWord = options.maxInputCharsPerWord ?? 100;
    const unkId = vocab.get(this.unkToken);
    if (unkId === undefined) {
      throw new TokenizerConfigError('model.unk_token', `${JSON.stringify(this.unkToken)} is not in model.vocab`);
    }
    this.unkId = unkId;
    let longest = 0;
    for (const token of vocab.keys()) if (token.length > longest) longest = token.length;
    this.longestToken = longest;
  }

  tokenize(word: string): Int32Array {
    const n = word.length;
    if (n === 0) return EMPTY;
    if (n > this.maxInputCharsPerWord && countCodePoints(word, this.maxInputCharsPerWord + 1) > this.maxInputCharsPerWord) {
      return Int32Array.of(this.unkId, 0, n);
    }
    const whole = this.vocab.get(word);
    if (whole !== undefined) return Int32Array.of(whole, 0, n);
    const out: number[] = [];
    let start = 0;
    while (start < n) {
      // Candidates longer than the longest vocabulary entry cannot match, so the search starts at that
      // length: exact, and it keeps a long word (max_input_chars_per_word: 1e9) linear, not cubic.
      const room = this.longestToken - (start > 0 ? this.continuingSubwordPrefix.length : 0);
      if (room <= 0) return Int32Array.of(this.unkId, 0, n);
      let end = Math.min(n, start + room);
      // Never start inside a surrogate pair.
      if (end < n && (word.charCodeAt(end - 1) & 0xfc00) === 0xd800 && (word.charCodeAt(end) & 0xfc00) === 0xdc00) end--;
      let found = -1;
      while (end > start) {
        const piece = start > 0 ? this.continuingSubwordPrefix + word.slice(start, end) : word.slice(start, end);
        const id = this.vocab.get(piece);
        if (id !== undefined) {
          found = id;
          break;
        }
        // Step back one code point, never into the middle of a surrogate pair.
        end -= end - 2 >= start && (word.charCodeAt(end - 1) & 0xfc00) === 0xdc00 && (word.charCodeAt(end - 2) & 0xfc00) === 0xd800 ? 2 : 1;
      }
      if (found < 0) return Int32Array.of(this.unkId, 0, n);
      out.push(found, start, end);
      start = end;
    }
    return Int32Array.from(out);
  }
}

/** Code points in `text`, counting stops at `limit`. */
function countCodePoints(text: string, limit: number): number {
  let count = 0;
  for (let i = 0; i < text.length && count < limit; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) i++;
    count++;
  }
  return count;
}

export function wordPieceFromJSON(config: JsonObject, path: string): WordPiece {
  return new WordPiece(vocabField(config, 'vocab', path), {
    unkToken: stringField(config, 'unk_token', path, '[UNK]'),
    continuingSubwordPrefix: stringField(config, 'continuing_subword_prefix', path, '##'),
    maxInputCharsPerWord: intField(config, 'max_input_chars_per_word', path, 100),
  });
}
