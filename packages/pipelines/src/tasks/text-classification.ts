/**
 * `text-classification` (alias `sentiment-analysis`), with Hugging Face's semantics
 * (transformers/pipelines/text_classification.py): labels from config.json's `id2label` with scores from
 * softmax (single-label), sigmoid (multi-label or one label) or the raw logits (regression), the `topK`
 * best, texts or `{ text, textPair }` pairs.
 */
import { type HostTensor, InputError, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import { describeValue } from '@attnjs/core/internal';
import { BertForSequenceClassification } from '@attnjs/bert';
import { GPT2ForSequenceClassification } from '@attnjs/gpt';
import type { BatchInput } from '@attnjs/tokenizers';
import { batchSizeOption, checkText, forEachBatch } from '../batching.js';
import { row, sigmoid, softmax, topK as topIndices } from '../math.js';
import type { PipelineBase } from '../pipeline.js';
import type { PipelineContext, TaskDefinition } from '../registry.js';

export interface TextClassificationResult {
  readonly label: string;
  readonly score: number;
}

/** A text, or a sentence pair (HF's `{"text": …, "text_pair": …}`). */
export type TextClassificationInput = string | { readonly text: string; readonly textPair: string };

/** HF's `function_to_apply`. */
export type ClassificationFunction = 'softmax' | 'sigmoid' | 'none';

export interface TextClassificationOptions {
  /** How many labels to return, best first; default 1; `null` = all of them. */
  readonly topK?: number | null;
  /** Default from config.json's `problem_type` and label count, as HF. */
  readonly functionToApply?: ClassificationFunction;
  readonly batchSize?: number;
}

/**
 * One input → its `topK` labels, best first. A list of inputs → one such list per input, except that
 * with `topK` 1 each input gets its single best label (a flat list), as transformers.js and HF's
 * default call return.
 */
export interface TextClassificationPipeline extends PipelineBase {
  (input: TextClassificationInput, options?: TextClassificationOptions): Promise<TextClassificationResult[]>;
  (inputs: readonly TextClassificationInput[], options?: TextClassificationOptions): Promise<TextClassificationResult[] | TextClassificationResult[][]>;
}

interface LabelledConfig {
  readonly numLabels: number;
  readonly id2label: Readonly<Record<number, string>>;
  readonly problemType?: string;
}

interface SequenceClassifier extends PreTrainedModel {
  readonly config: LabelledConfig;
  forward(inputs: { inputIds: number[][]; attentionMask: number[][]; tokenTypeIds?: number[][] }): Promise<{ logits: HostTensor<'float32'> }>;
}

const WHERE = "pipeline('text-classification')";
const FUNCTIONS: readonly ClassificationFunction[] = ['softmax', 'sigmoid', 'none'];

/** HF's choice when the caller gives none: regression → none, multi-label or 1 label → sigmoid, else softmax. */
function defaultFunction(config: LabelledConfig): ClassificationFunction {
  if (config.problemType === 'regression') return 'none';
  if (config.problemType === 'multi_label_classification' || config.numLabels === 1) return 'sigmoid';
  return 'softmax';
}

function toBatchInput(input: unknown, name: string): BatchInput {
  if (typeof input === 'string') {
    checkText(input, name, WHERE);
    return input;
  }
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const { text, textPair, ...rest } = input as { text?: unknown; textPair?: unknown };
    const extra = Object.keys(rest);
    if (extra.length > 0) throw new UnsupportedError(`${WHERE}: ${name} has "${extra[0]}"; a pair is { text, textPair }`);
    checkText(text, `${name}.text`, WHERE);
    checkText(textPair, `${name}.textPair`, WHERE);
    return [text, textPair];
  }
  throw new InputError(`${WHERE}: ${name} must be a string or { text, textPair }, got ${describeValue(input)}`);
}

function options(given: Readonly<Record<string, unknown>>, config: LabelledConfig) {
  const { topK = 1, functionToApply = defaultFunction(config) } = given;
  if (topK !== null && (!Number.isSafeInteger(topK) || (topK as number) < 1)) {
    throw new UnsupportedError(`${WHERE}: topK must be a positive integer or null (all labels), got ${describeValue(topK)}`);
  }
  if (!FUNCTIONS.includes(functionToApply as ClassificationFunction)) {
    throw new UnsupportedError(`${WHERE}: functionToApply must be one of ${FUNCTIONS.join(', ')}, got ${describeValue(functionToApply)}`);
  }
  return { topK: (topK ?? config.numLabels) as number, apply: functionToApply as ClassificationFunction, batchSize: batchSizeOption(given.batchSize, WHERE) };
}

function labelScores(logits: ArrayLike<number>, apply: ClassificationFunction, config: LabelledConfig, k: number): TextClassificationResult[] {
  const scores = apply === 'softmax' ? softmax(logits) : apply === 'sigmoid' ? sigmoid(logits) : Float64Array.from(logits);
  return topIndices(scores, k).map((i) => ({ label: config.id2label[i] ?? `LABEL_${i}`, score: scores[i]! }));
}

function create(context: PipelineContext) {
  const model = context.model as SequenceClassifier;
  const usesTokenTypes = 'typeVocabSize' in model.config;
  return {
    async run(inputs: unknown, given: Readonly<Record<string, unknown>>) {
      const { topK, apply, batchSize } = options(given, model.config);
      const single = !Array.isArray(inputs);
      const list = (single ? [inputs] : inputs) as unknown[];
      if (list.length === 0) throw new InputError(`${WHERE}: the list of inputs is empty`);
      const batchInputs = list.map((input, i) => toBatchInput(input, single ? 'inputs' : `inputs[${i}]`));
      const results = await forEachBatch(model, context.tokenizer, batchInputs, batchSize, async (batch) => {
        const { logits } = await model.forward({
          inputIds: batch.inputIds,
          attentionMask: batch.attentionMask,
          ...(usesTokenTypes ? { tokenTypeIds: batch.tokenTypeIds } : {}),
        });
        const width = logits.shape[1]!;
        return batch.encodings.map((_, b) => labelScores(row(logits.data, b, width), apply, model.config, topK));
      });
      if (single) return results[0];
      return topK === 1 ? results.map((r) => r[0]!) : results;
    },
  };
}

export const textClassification: TaskDefinition = {
  task: 'text-classification',
  aliases: ['sentiment-analysis'],
  architectures: [BertForSequenceClassification, GPT2ForSequenceClassification],
  modelTypes: { bert: BertForSequenceClassification, gpt2: GPT2ForSequenceClassification },
  accepts: (model) => model.modelName.endsWith('ForSequenceClassification'),
  callOptions: ['topK', 'functionToApply', 'batchSize'],
  create,
};
