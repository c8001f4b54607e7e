/**
 * `token-classification` (alias `ner`), with Hugging Face's semantics
 * (transformers/pipelines/token_classification.py): each token's label probabilities (softmax over
 * the logits), special tokens left out, then `aggregationStrategy` (see entity-aggregation.ts), with
 * `start` / `end` offsets into the input string and `ignoreLabels` dropped.
 */
import { type HostTensor, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import { describeValue } from '@attnjs/core/internal';
import { BertForTokenClassification } from '@attnjs/bert';
import { GPT2ForTokenClassification } from '@attnjs/gpt';
import { type Encoding, type Tokenizer, TokenizerError, decodeTokens } from '@attnjs/tokenizers';
import { batchSizeOption, checkTexts, chunks, maxPositions, padBatch, padTokenId } from '../batching.js';
import {
  AGGREGATION_STRATEGIES,
  type AggregationStrategy,
  type EntityGroup,
  type TokenEntity,
  type TokenPrediction,
  aggregateEntities,
  mergeOverlappingEntities,
} from '../entity-aggregation.js';
import { softmax } from '../math.js';
import type { PipelineBase } from '../pipeline.js';
import type { PipelineContext, TaskDefinition } from '../registry.js';

export type { AggregationStrategy, EntityGroup, TokenEntity } from '../entity-aggregation.js';

export interface TokenClassificationOptions {
  /** HF's `aggregation_strategy`; default 'none' (one entry per token). */
  readonly aggregationStrategy?: AggregationStrategy;
  /** Labels ('none') or entity groups (other strategies) left out; default `['O']`. */
  readonly ignoreLabels?: readonly string[];
  /**
   * Cover a text longer than the position table with windows sharing `stride` tokens, merging the
   * entities they find (HF); not with 'none'. Without it, long texts are truncated (HF's default).
   */
  readonly stride?: number;
  readonly batchSize?: number;
}

/**
 * One text → its entities (tokens with 'none', groups otherwise); a list of texts → one list per text.
 * The strategy can be a default given to `pipeline()`, so the result type is the union.
 */
export interface TokenClassificationPipeline extends PipelineBase {
  (input: string, options?: TokenClassificationOptions): Promise<TokenEntity[] | EntityGroup[]>;
  (inputs: readonly string[], options?: TokenClassificationOptions): Promise<TokenEntity[][] | EntityGroup[][]>;
}

interface TokenClassifier extends PreTrainedModel {
  readonly config: { readonly numLabels: number; readonly id2label: Readonly<Record<number, string>> };
  forward(inputs: { inputIds: number[][]; attentionMask: number[][]; tokenTypeIds?: number[][] }): Promise<{ logits: HostTensor<'float32'> }>;
}

const WHERE = "pipeline('token-classification')";

function options(given: Readonly<Record<string, unknown>>) {
  const { aggregationStrategy = 'none', ignoreLabels = ['O'], stride } = given;
  if (!AGGREGATION_STRATEGIES.includes(aggregationStrategy as AggregationStrategy)) {
    throw new UnsupportedError(`${WHERE}: aggregationStrategy must be one of ${AGGREGATION_STRATEGIES.join(', ')}, got ${describeValue(aggregationStrategy)}`);
  }
  if (!Array.isArray(ignoreLabels) || !ignoreLabels.every((l) => typeof l === 'string')) {
    throw new UnsupportedError(`${WHERE}: ignoreLabels must be an array of label names, got ${describeValue(ignoreLabels)}`);
  }
  if (stride !== undefined && (!Number.isSafeInteger(stride) || (stride as number) < 0)) {
    throw new UnsupportedError(`${WHERE}: stride must be an integer ≥ 0, got ${describeValue(stride)}`);
  }
  if (stride !== undefined && aggregationStrategy === 'none') {
    // As HF: overlapping windows would report their shared tokens twice.
    throw new UnsupportedError(`${WHERE}: stride needs an aggregationStrategy other than 'none' (overlapping windows would repeat tokens)`);
  }
  return {
    strategy: aggregationStrategy as AggregationStrategy,
    ignoreLabels: ignoreLabels as string[],
    stride: stride as number | undefined,
    batchSize: batchSizeOption(given.batchSize, WHERE),
  };
}

/**
 * The non-special tokens of one row with their probabilities (HF `gather_pre_entities`). A token is a
 * subword when it has the previous token's word id (HF compares token and text lengths instead, which
 * agrees for WordPiece; see docs/pipelines.md). An unknown token's word is the text it stands for.
 */
export function tokenPredictions(text: string, encoding: Encoding, logits: Float32Array, numLabels: number, unkId: number | undefined): TokenPrediction[] {
  const out: TokenPrediction[] = [];
  let previousWord: number | null = null;
  encoding.ids.forEach((id, index) => {
    if (encoding.specialTokensMask[index] === 1 || encoding.attentionMask[index] === 0) return;
    const [start, end] = encoding.offsets[index]!;
    const wordId = encoding.wordIds[index] ?? null;
    const unknown = id === unkId;
    out.push({
      scores: softmax(logits.subarray(index * numLabels, (index + 1) * numLabels)),
      word: unknown ? text.slice(start, end) : encoding.tokens[index]!,
      start,
      end,
      index,
      isSubword: !unknown && wordId !== null && wordId === previousWord,
    });
    previousWord = wordId;
  });
  return out;
}

/** HF's `convert_tokens_to_string`: the tokenizer's decoder on token strings (spaces between them without one). */
function tokensToString(tokenizer: Tokenizer): (tokens: readonly string[]) => string {
  const decoder = tokenizer.decoder;
  return (tokens) => (decoder ? decodeTokens(decoder, [...tokens]) : tokens.join(' '));
}

/**
 * The windows of one text: the text truncated to the position table, or with `stride` every window of
 * it, consecutive ones sharing `stride` tokens (HF's `stride` with `return_overflowing_tokens`).
 */
function encodeWindows(tokenizer: Tokenizer, text: string, positions: number, stride: number | undefined): Encoding[] {
  if (stride === undefined) return [tokenizer.encode(text, { truncation: true, maxLength: positions, padding: false })];
  let first: Encoding;
  try {
    first = tokenizer.encode(text, { truncation: true, maxLength: positions, stride, returnOverflowing: true, padding: false });
  } catch (error) {
    if (!(error instanceof TokenizerError)) throw error;
    throw new UnsupportedError(`${WHERE}: stride ${stride} does not fit in the model's ${positions} positions (${error.message})`);
  }
  return [first, ...first.overflowing];
}

function create(context: PipelineContext) {
  const model = context.model as TokenClassifier;
  const { tokenizer } = context;
  const usesTokenTypes = 'typeVocabSize' in model.config;
  const numLabels = model.config.numLabels;
  const id2label = Array.from({ length: numLabels }, (_, i) => model.config.id2label[i] ?? `LABEL_${i}`);
  const toString = tokensToString(tokenizer);
  const positions = maxPositions(model);
  const padId = padTokenId(model, tokenizer);
  return {
    async run(inputs: unknown, given: Readonly<Record<string, unknown>>) {
      const { strategy, ignoreLabels, stride, batchSize } = options(given);
      const { texts, single } = checkTexts(inputs, WHERE);
      const windows = texts.flatMap((text, i) => encodeWindows(tokenizer, text, positions, stride).map((encoding) => ({ text: i, encoding })));
      const perText: Array<Array<TokenEntity | EntityGroup>> = texts.map(() => []);
      // A model without a pad id (GPT-2) cannot be padded, so it runs one row at a time.
      for (const group of chunks(windows, padId === undefined ? 1 : batchSize)) {
        const batch = padBatch(group.map((w) => w.encoding), padId ?? 0);
        const { logits } = await model.forward({
          inputIds: batch.inputIds,
          attentionMask: batch.attentionMask,
          ...(usesTokenTypes ? { tokenTypeIds: batch.tokenTypeIds } : {}),
        });
        const width = logits.shape[1]! * numLabels; // (B, T, C) flattened per row
        group.forEach(({ text, encoding }, b) => {
          const tokens = tokenPredictions(texts[text]!, encoding, logits.data.subarray(b * width, (b + 1) * width), numLabels, tokenizer.specialTokens.unk?.id);
          perText[text]!.push(...aggregateEntities(tokens, strategy, { id2label, tokensToString: toString, ignoreLabels }));
        });
      }
      const results = perText.map((entities, i) => (windows.filter((w) => w.text === i).length > 1 ? mergeOverlappingEntities(entities) : entities));
      return single ? results[0] : results;
    },
  };
}

export const tokenClassification: TaskDefinition = {
  task: 'token-classification',
  aliases: ['ner'],
  architectures: [BertForTokenClassification, GPT2ForTokenClassification],
  modelTypes: { bert: BertForTokenClassification, gpt2: GPT2ForTokenClassification },
  callOptions: ['aggregationStrategy', 'ignoreLabels', 'stride', 'batchSize'],
  create,
};
