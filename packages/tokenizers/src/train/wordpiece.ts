import { learnBpe, type LearnedBpe } from './bpe-core.js';
import { fileLines, type TrainingCorpus } from './corpus.js';
import { TrainerOptionError } from './errors.js';
import { specialAddedTokens, vocabObject, type TrainedTokenizerJSON } from './json.js';
import {
  TRAIN_OPTION_NAMES,
  alphabetOption,
  booleanOption,
  checkKnownOptions,
  integerOption,
  optionalIntegerOption,
  progressFromOptions,
  specialTokensOption,
  stringOption,
  type TrainOptions,
} from './options.js';
import { bertCounter } from './pretokenize.js';
import { countPieces } from './words.js';

/** Options of `trainWordPiece`; defaults are HF's WordPieceTrainer's and BERT's. */
export interface TrainWordPieceOptions extends TrainOptions {
  /** Default `[PAD] [UNK] [CLS] [SEP] [MASK]` (ids 0–4). */
  specialTokens?: readonly string[];
  /** Lowercase while normalizing, as bert-base-uncased does (default true). */
  lowercase?: boolean;
  /** Strip accents (NFD, drop nonspacing marks); default: the same as `lowercase`, as in HF. */
  stripAccents?: boolean;
  /** Prefix of pieces that continue a word (default `##`). */
  continuingSubwordPrefix?: string;
  /** Token for words the vocabulary cannot spell; must be one of `specialTokens` (default `[UNK]`). */
  unkToken?: string;
  /** Longer words encode as the unknown token (default 100). */
  maxInputCharsPerWord?: number;
  /** With `sepToken`, adds BERT's `[CLS] A [SEP] B [SEP]` post-processor when both are special tokens. */
  clsToken?: string;
  sepToken?: string;
}

const KNOWN = [
  ...TRAIN_OPTION_NAMES,
  'lowercase',
  'stripAccents',
  'continuingSubwordPrefix',
  'unkToken',
  'maxInputCharsPerWord',
  'clsToken',
  'sepToken',
] as const;

/**
 * Trains a BERT-style WordPiece vocabulary (BertNormalizer, BertPreTokenizer, WordPiece model and
 * decoder, `[CLS] … [SEP]` post-processor) and returns its tokenizer.json object. As in HF, this is
 * BPE training with the `##` prefix on word-inner pieces, keeping the vocabulary and dropping the merges.
 *
 * @example
 *   const json = await trainWordPiece(text, { vocabSize: 8000 });
 *   const tokenizer = Tokenizer.fromJSON(json);
 */
export async function trainWordPiece(
  corpus: TrainingCorpus,
  options: TrainWordPieceOptions = {},
): Promise<TrainedTokenizerJSON> {
  return trainWordPieceWith(corpus, options, undefined);
}

/** `trainWordPiece` on one or more text files, streamed line by line (Node only). */
export async function trainWordPieceFromFile(
  paths: string | readonly string[],
  options: TrainWordPieceOptions = {},
): Promise<TrainedTokenizerJSON> {
  wordPieceConfig(options, undefined);
  return trainWordPiece(fileLines(paths), options);
}

/** Internal: `variantOrder` pins the ids of `##c` symbols (tests pass HF's to compare exactly). */
export async function trainWordPieceWith(
  corpus: TrainingCorpus,
  options: TrainWordPieceOptions,
  variantOrder: readonly string[] | undefined,
): Promise<TrainedTokenizerJSON> {
  const config = wordPieceConfig(options, variantOrder);
  const words = await countPieces(corpus, bertCounter(config.normalizer), config.progress);
  return wordPieceTokenizerJSON(learnBpe(words, config), config);
}

type WordPieceConfig = ReturnType<typeof wordPieceConfig>;

function wordPieceConfig(options: TrainWordPieceOptions, variantOrder: readonly string[] | undefined) {
  if (options === null || typeof options !== 'object') throw new TrainerOptionError('options', 'an object', options);
  checkKnownOptions(options, KNOWN);
  const specialTokens = specialTokensOption(options.specialTokens, ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
  const unkToken = stringOption('unkToken', options.unkToken, '[UNK]');
  if (!specialTokens.includes(unkToken)) {
    throw new TrainerOptionError('specialTokens', `a list that includes the unknown token ${unkToken}`, specialTokens);
  }
  const lowercase = booleanOption('lowercase', options.lowercase, true);
  const vocabSize = integerOption('vocabSize', options.vocabSize, 30000, 1);
  if (vocabSize < specialTokens.length) {
    throw new TrainerOptionError('vocabSize', `at least ${specialTokens.length} (the special tokens)`, vocabSize);
  }
  return {
    vocabSize,
    minFrequency: integerOption('minFrequency', options.minFrequency, 0, 0, Number.MAX_SAFE_INTEGER),
    specialTokens,
    initialAlphabet: alphabetOption(options.initialAlphabet, []),
    limitAlphabet: optionalIntegerOption('limitAlphabet', options.limitAlphabet, 0),
    continuingSubwordPrefix: stringOption('continuingSubwordPrefix', options.continuingSubwordPrefix, '##'),
    variantOrder,
    unkToken,
    maxInputCharsPerWord: integerOption('maxInputCharsPerWord', options.maxInputCharsPerWord, 100, 1, 2 ** 31),
    clsToken: stringOption('clsToken', options.clsToken, '[CLS]'),
    sepToken: stringOption('sepToken', options.sepToken, '[SEP]'),
    normalizer: {
      lowercase,
      stripAccents: booleanOption('stripAccents', options.stripAccents, lowercase),
    },
    stripAccentsGiven: options.stripAccents !== undefined,
    progress: progressFromOptions(options),
  };
}

function wordPieceTokenizerJSON(learned: LearnedBpe, config: WordPieceConfig): TrainedTokenizerJSON {
  const { clsToken, sepToken, specialTokens } = config;
  const id = (token: string) => learned.vocab.indexOf(token);
  const withSpecials = specialTokens.includes(clsToken) && specialTokens.includes(sepToken);
  const special = (token: string, typeId: number) => ({ SpecialToken: { id: token, type_id: typeId } });
  const sequence = (name: 'A' | 'B', typeId: number) => ({ Sequence: { id: name, type_id: typeId } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specialAddedTokens(specialTokens, learned.vocab),
    normalizer: {
      type: 'BertNormalizer',
      clean_text: true,
      handle_chinese_chars: true,
      strip_accents: config.stripAccentsGiven ? config.normalizer.stripAccents : null,
      lowercase: config.normalizer.lowercase,
    },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: withSpecials
      ? {
          type: 'TemplateProcessing',
          single: [special(clsToken, 0), sequence('A', 0), special(sepToken, 0)],
          pair: [special(clsToken, 0), sequence('A', 0), special(sepToken, 0), sequence('B', 1), special(sepToken, 1)],
          special_tokens: {
            [clsToken]: { id: clsToken, ids: [id(clsToken)], tokens: [clsToken] },
            [sepToken]: { id: sepToken, ids: [id(sepToken)], tokens: [sepToken] },
          },
        }
      : null,
    decoder: { type: 'WordPiece', prefix: config.continuingSubwordPrefix, cleanup: true },
    model: {
      type: 'WordPiece',
      unk_token: config.unkToken,
      continuing_subword_prefix: config.continuingSubwordPrefix,
      max_input_chars_per_word: config.maxInputCharsPerWord,
      vocab: vocabObject(learned.vocab),
    },
  };
}
