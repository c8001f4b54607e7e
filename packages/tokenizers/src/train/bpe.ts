import { learnBpe, type LearnedBpe } from './bpe-core.js';
import { fileLines, type TrainingCorpus } from './corpus.js';
import { TrainerOptionError } from './errors.js';
import { specialAddedTokens, vocabObject, type TrainedTokenizerJSON } from './json.js';
import {
  TRAIN_OPTION_NAMES,
  alphabetOption,
  checkKnownOptions,
  integerOption,
  optionalIntegerOption,
  progressFromOptions,
  specialTokensOption,
  type TrainOptions,
} from './options.js';
import { BYTE_LEVEL_ALPHABET, byteLevelCounter, byteLevelSpelling } from './pretokenize.js';
import { countPieces } from './words.js';

/**
 * Options of `trainBPE`. Defaults are HF BpeTrainer's (vocabSize 30000, minFrequency 0, no alphabet
 * limit) with the byte-level initial alphabet that HF's `ByteLevelBPETokenizer` passes, except
 * `specialTokens`, which holds GPT-2's `<|endoftext|>` (id 0) so the result can separate documents.
 */
export interface TrainBPEOptions extends TrainOptions {
  /** Default: the 256 byte-level symbols, so any text encodes without an unknown token. */
  initialAlphabet?: readonly string[];
}

const KNOWN = TRAIN_OPTION_NAMES;

/**
 * Trains a GPT-2-style byte-level BPE (ByteLevel pre-tokenizer with GPT-2's regex, ByteLevel
 * post-processor and decoder) and returns its tokenizer.json object, which this package and HF
 * `tokenizers` load alike. Merges follow HF's BpeTrainer exactly, ties included.
 *
 * @example
 *   const json = await trainBPE(text, { vocabSize: 8000 });
 *   const tokenizer = Tokenizer.fromJSON(json);
 */
export async function trainBPE(corpus: TrainingCorpus, options: TrainBPEOptions = {}): Promise<TrainedTokenizerJSON> {
  const config = bpeConfig(options);
  const raw = await countPieces(corpus, byteLevelCounter(), config.progress);
  const learned = learnBpe(byteLevelWords(raw), config);
  return byteLevelTokenizerJSON(learned, config.specialTokens);
}

/** `trainBPE` on one or more text files, streamed line by line (Node only). */
export async function trainBPEFromFile(
  paths: string | readonly string[],
  options: TrainBPEOptions = {},
): Promise<TrainedTokenizerJSON> {
  bpeConfig(options); // fail on bad options before touching the file system
  return trainBPE(fileLines(paths), options);
}

function bpeConfig(options: TrainBPEOptions) {
  if (options === null || typeof options !== 'object') throw new TrainerOptionError('options', 'an object', options);
  checkKnownOptions(options, KNOWN);
  const specialTokens = specialTokensOption(options.specialTokens, ['<|endoftext|>']);
  const initialAlphabet = alphabetOption(options.initialAlphabet, BYTE_LEVEL_ALPHABET);
  const limitAlphabet = optionalIntegerOption('limitAlphabet', options.limitAlphabet, 0);
  // The vocabulary holds at least the special tokens and the kept initial alphabet; say so now
  // rather than after reading the corpus. (HF would silently return a larger vocabulary.)
  const alphabet = new Set(initialAlphabet);
  const keptAlphabet = Math.min(alphabet.size, limitAlphabet ?? Infinity);
  const floor = specialTokens.length + Math.max(0, keptAlphabet - specialTokens.filter((t) => alphabet.has(t)).length);
  const vocabSize = integerOption('vocabSize', options.vocabSize, 30000, 1);
  if (vocabSize < floor) {
    throw new TrainerOptionError('vocabSize', `at least ${floor} (special tokens + initial alphabet)`, vocabSize);
  }
  return {
    vocabSize,
    minFrequency: integerOption('minFrequency', options.minFrequency, 0, 0, Number.MAX_SAFE_INTEGER),
    specialTokens,
    initialAlphabet,
    limitAlphabet,
    progress: progressFromOptions(options),
  };
}

/** Raw pre-tokens → their byte-level spelling (two raw pieces can share one: lone surrogates → U+FFFD). */
function byteLevelWords(raw: Map<string, number>): Map<string, number> {
  const words = new Map<string, number>();
  for (const [piece, count] of raw) {
    const word = byteLevelSpelling(piece);
    words.set(word, (words.get(word) ?? 0) + count);
  }
  return words;
}

/** The tokenizer.json of a GPT-2-style byte-level BPE, laid out like GPT-2's own file. */
export function byteLevelTokenizerJSON(learned: LearnedBpe, specialTokens: readonly string[]): TrainedTokenizerJSON {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialAddedTokens(specialTokens, learned.vocab),
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: vocabObject(learned.vocab),
      // "left right" strings, the format GPT-2's own file uses; byte-level tokens never hold a space.
      merges: learned.merges.map(([left, right]) => `${left} ${right}`),
    },
  };
}
