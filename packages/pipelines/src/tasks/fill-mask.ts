/**
 * `fill-mask`, with Hugging Face's semantics (transformers/pipelines/fill_mask.py): for each mask token
 * of an input, the `topK` most likely tokens with their softmax probability over the whole vocabulary
 * (restricted afterwards to `targets` when given) and the input with that token in the mask's place.
 */
import { type HostTensor, InputError, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import { describeValue } from '@attnjs/core/internal';
import { BertForMaskedLM } from '@attnjs/bert';
import type { Tokenizer } from '@attnjs/tokenizers';
import { batchSizeOption, checkTexts, forEachBatch, type PaddedBatch } from '../batching.js';
import { softmax, topK as topIndices } from '../math.js';
import type { PipelineBase } from '../pipeline.js';
import type { PipelineContext, TaskDefinition } from '../registry.js';

/** One proposal for one mask, under Hugging Face's key names. */
export interface FillMaskResult {
  readonly score: number;
  readonly token: number;
  readonly token_str: string;
  readonly sequence: string;
}

export interface FillMaskOptions {
  /** Proposals per mask; default 5 (capped at the number of targets). */
  readonly topK?: number;
  /** Only score these tokens (a word not in the vocabulary stands for its first token, as HF). */
  readonly targets?: string | readonly string[];
  /** Inputs per forward pass; default 1 (the logits of a batch are [batch, tokens, vocabulary]). */
  readonly batchSize?: number;
}

/** An input with one mask → its proposals; with several masks → one list per mask (HF's shape). */
export type FillMaskOutput = FillMaskResult[] | FillMaskResult[][];

/** Called with one input → its `FillMaskOutput`; with a list → one per input. */
export interface FillMaskPipeline extends PipelineBase {
  (input: string, options?: FillMaskOptions): Promise<FillMaskOutput>;
  (inputs: readonly string[], options?: FillMaskOptions): Promise<FillMaskOutput[]>;
}

/** What fill-mask needs of a model: masked-LM logits (B, T, V). */
interface MaskedLM extends PreTrainedModel {
  forward(inputs: { inputIds: number[][]; attentionMask: number[][]; tokenTypeIds?: number[][] }): Promise<{ logits: HostTensor<'float32'> }>;
}

const WHERE = "pipeline('fill-mask')";

function maskTokenId(tokenizer: Tokenizer): number {
  const mask = tokenizer.specialTokens.mask;
  if (!mask) throw new UnsupportedError(`${WHERE}: the tokenizer has no mask token (special token role "mask"); load it with specialTokens: { mask: … }`);
  return mask.id;
}

function topKOption(value: unknown): number {
  if (value === undefined) return 5;
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw new UnsupportedError(`${WHERE}: topK must be a positive integer, got ${describeValue(value)}`);
  return value as number;
}

/** HF's `get_target_ids`: a vocabulary entry as is, else the first token of the word; duplicates dropped. */
function targetIds(value: unknown, tokenizer: Tokenizer, vocabSize: number): number[] | undefined {
  if (value === undefined) return undefined;
  const targets = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(targets) || targets.length === 0) throw new InputError(`${WHERE}: targets must be a string or a non-empty list of strings, got ${describeValue(value)}`);
  const ids = new Set<number>();
  for (const [i, target] of targets.entries()) {
    if (typeof target !== 'string' || target.length === 0) throw new InputError(`${WHERE}: targets[${i}] must be a non-empty string, got ${describeValue(target)}`);
    const id = tokenizer.tokenToId(target) ?? tokenizer.encodeIds(target, { addSpecialTokens: false })[0];
    if (id === undefined) throw new InputError(`${WHERE}: targets[${i}] ${describeValue(target)} has no token in the vocabulary`);
    if (id >= vocabSize) throw new InputError(`${WHERE}: targets[${i}] ${describeValue(target)} is token ${id}, outside the model's vocabulary 0..${vocabSize - 1}`);
    ids.add(id);
  }
  return [...ids];
}

function modelVocabSize(model: PreTrainedModel): number {
  return (model as unknown as { config: { vocabSize: number } }).config.vocabSize;
}

/** The proposals for every mask of row `b` of a batch. */
function rowResults(
  context: PipelineContext,
  batch: PaddedBatch,
  logits: HostTensor<'float32'>,
  b: number,
  mask: number,
  k: number,
  targets: number[] | undefined,
): FillMaskResult[] | FillMaskResult[][] {
  const { tokenizer } = context;
  const ids = batch.encodings[b]!.ids; // the row without its padding
  const [, length, vocab] = logits.shape as [number, number, number];
  const positions = ids.flatMap((id, t) => (id === mask ? [t] : []));
  const single = positions.length === 1;
  const perMask = positions.map((t) => {
    const offset = (b * length + t) * vocab;
    const probs = softmax(logits.data.subarray(offset, offset + vocab));
    const candidates = targets ? Float64Array.from(targets, (id) => probs[id]!) : probs;
    return topIndices(candidates, k).map((i): FillMaskResult => {
      const token = targets ? targets[i]! : i;
      const filled = ids.slice();
      filled[t] = token;
      return {
        score: candidates[i]!,
        token,
        token_str: tokenizer.decode([token]),
        // HF keeps the other masks (and so every special token) in the text when there are several.
        sequence: tokenizer.decode(filled, { skipSpecialTokens: single }),
      };
    });
  });
  return single ? perMask[0]! : perMask;
}

function create(context: PipelineContext) {
  const model = context.model as MaskedLM;
  const mask = maskTokenId(context.tokenizer);
  const usesTokenTypes = 'typeVocabSize' in (model as unknown as { config: object }).config;
  return {
    async run(inputs: unknown, options: Readonly<Record<string, unknown>>) {
      const { texts, single } = checkTexts(inputs, WHERE);
      const targets = targetIds(options.targets, context.tokenizer, modelVocabSize(model));
      const k = Math.min(topKOption(options.topK), targets?.length ?? Infinity);
      // One input at a time by default (HF's default too): a masked LM returns logits for every position
      // of the batch, [batch, tokens, vocabulary], which for 8 × 512 × 30522 would be 500 MB.
      const batchSize = batchSizeOption(options.batchSize, WHERE, 1);
      const results = await forEachBatch(model, context.tokenizer, texts, batchSize, async (batch) => {
        batch.encodings.forEach((e, b) => {
          if (!e.ids.includes(mask)) {
            const which = single ? 'the input' : `inputs[${batch.rows[b]}]`;
            throw new InputError(`${WHERE}: ${which} has no mask token ${context.tokenizer.specialTokens.mask!.token} (after truncation to the model's positions)`);
          }
        });
        const { logits } = await model.forward({
          inputIds: batch.inputIds,
          attentionMask: batch.attentionMask,
          ...(usesTokenTypes ? { tokenTypeIds: batch.tokenTypeIds } : {}),
        });
        return batch.encodings.map((_, b) => rowResults(context, batch, logits, b, mask, k, targets));
      });
      return single ? results[0] : results;
    },
  };
}

export const fillMask: TaskDefinition = {
  task: 'fill-mask',
  architectures: [BertForMaskedLM],
  modelTypes: { bert: BertForMaskedLM },
  // Any masked-LM head: its class name says so, as Hugging Face's *ForMaskedLM classes do.
  accepts: (model) => model.modelName.endsWith('ForMaskedLM'),
  callOptions: ['topK', 'targets', 'batchSize'],
  create,
};
