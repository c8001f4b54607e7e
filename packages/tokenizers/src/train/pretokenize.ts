/**
 * The trainers count words with the package's own normalizer and pre-tokenizers, so a vocabulary is
 * learnt from exactly the pieces the encoder will later look up.
 */
import { BYTE_TO_CHAR, toByteLevel } from '../byte-level.js';
import { NormalizedString } from '../normalized.js';
import { BertNormalizer } from '../normalizers/bert.js';
import { BertPreTokenizer } from '../pre-tokenizers/bert.js';
import { ByteLevelPreTokenizer } from '../pre-tokenizers/byte-level.js';
import { Ranges, type PreTokenizer } from '../pre-tokenizers/pre-tokenizer.js';

/** The 256 symbols of the byte-level alphabet (HF's `ByteLevel.alphabet()`). */
export const BYTE_LEVEL_ALPHABET: readonly string[] = BYTE_TO_CHAR;

/** Spells a raw piece in the byte-level alphabet. */
export const byteLevelSpelling = (piece: string): string => toByteLevel(piece, 0, piece.length);

function countSplits(preTokenizer: PreTokenizer, text: string, ranges: Ranges, counts: Map<string, number>): void {
  ranges.clear();
  preTokenizer.split(text, 0, text.length, ranges);
  for (let i = 0; i < ranges.length; i++) {
    const piece = text.slice(ranges.starts[i], ranges.ends[i]);
    counts.set(piece, (counts.get(piece) ?? 0) + 1);
  }
}

/**
 * Counts GPT-2 pre-tokens (ByteLevel with GPT-2's regex, no prefix space) of each sequence. Pieces
 * are counted raw and spelled in bytes once per distinct piece by the caller.
 */
export function byteLevelCounter(): (sequence: string, counts: Map<string, number>) => void {
  const preTokenizer = new ByteLevelPreTokenizer(false, true);
  const ranges = new Ranges();
  return (sequence, counts) => countSplits(preTokenizer, sequence, ranges, counts);
}

/** Counts BERT pre-tokens (BertNormalizer, then BertPreTokenizer) of each sequence. */
export function bertCounter(options: {
  lowercase: boolean;
  stripAccents: boolean;
}): (sequence: string, counts: Map<string, number>) => void {
  const normalizer = new BertNormalizer({ lowercase: options.lowercase, stripAccents: options.stripAccents });
  const preTokenizer = new BertPreTokenizer();
  const ranges = new Ranges();
  return (sequence, counts) => {
    const normalized = normalizer.normalize(NormalizedString.identity(sequence, 0, sequence.length)).text;
    countSplits(preTokenizer, normalized, ranges, counts);
  };
}
