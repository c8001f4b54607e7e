/**
 * `question-answering`, with Hugging Face's semantics (transformers/pipelines/question_answering.py,
 * fast-tokenizer path): `[CLS] question [SEP] context [SEP]`, a context too long for `maxSeqLen` cut
 * into windows that overlap by `docStride` tokens, the best spans of every window (answer-spans.ts),
 * answers sliced out of the context by character offsets.
 */
import { type HostTensor, InputError, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import { describeValue } from '@attnjs/core/internal';
import { BertForQuestionAnswering } from '@attnjs/bert';
import { type Encoding, type Tokenizer, TokenizerError } from '@attnjs/tokenizers';
import { type Answer, type AnswerWindow, selectAnswers } from '../answer-spans.js';
import { batchSizeOption, checkText, chunks, maxPositions, padBatch, padTokenId } from '../batching.js';
import type { PipelineBase } from '../pipeline.js';
import type { PipelineContext, TaskDefinition } from '../registry.js';

export type { Answer } from '../answer-spans.js';

/** One question and its context, or (HF) several questions on one context, or paired lists. */
export interface QuestionAnsweringInput {
  readonly question: string | readonly string[];
  readonly context: string | readonly string[];
}

export interface QuestionAnsweringOptions {
  /** How many answers per question, best first; default 1. */
  readonly topK?: number;
  /** Longest answer, in tokens; default 15. */
  readonly maxAnswerLen?: number;
  /** Tokens per window, question and special tokens included; default min(384, the model's positions). */
  readonly maxSeqLen?: number;
  /** Tokens shared by consecutive windows of a long context; default min(maxSeqLen / 2, 128), as HF. */
  readonly docStride?: number;
  /** Let the empty answer '' (scored by the [CLS] token) win; default false. */
  readonly handleImpossibleAnswer?: boolean;
  /** Widen answers to whole words; default true, as HF. */
  readonly alignToWords?: boolean;
  /** Windows per forward call; default 8. */
  readonly batchSize?: number;
}

/**
 * One question → its best answer (`topK` 1) or its `topK` answers; several questions (a list of inputs,
 * or lists inside one) → one such result per question.
 */
export interface QuestionAnsweringPipeline extends PipelineBase {
  (input: { readonly question: string; readonly context: string }, options?: QuestionAnsweringOptions): Promise<Answer | Answer[]>;
  (inputs: QuestionAnsweringInput | readonly QuestionAnsweringInput[], options?: QuestionAnsweringOptions): Promise<Answer[] | Answer[][]>;
}

interface SpanModel extends PreTrainedModel {
  forward(inputs: { inputIds: number[][]; attentionMask: number[][]; tokenTypeIds: number[][] }): Promise<{ startLogits: HostTensor<'float32'>; endLogits: HostTensor<'float32'> }>;
}

const WHERE = "pipeline('question-answering')";

function positiveInteger(given: Readonly<Record<string, unknown>>, name: string, fallback: number, min = 1): number {
  const value = given[name] ?? fallback;
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw new UnsupportedError(`${WHERE}: ${name} must be an integer ≥ ${min}, got ${describeValue(value)}`);
  }
  return value as number;
}

function flag(given: Readonly<Record<string, unknown>>, name: string, fallback: boolean): boolean {
  const value = given[name] ?? fallback;
  if (typeof value !== 'boolean') throw new UnsupportedError(`${WHERE}: ${name} must be true or false, got ${describeValue(value)}`);
  return value;
}

function options(given: Readonly<Record<string, unknown>>, positions: number) {
  const maxSeqLen = positiveInteger(given, 'maxSeqLen', Math.min(384, positions));
  if (maxSeqLen > positions) {
    throw new UnsupportedError(`${WHERE}: maxSeqLen ${maxSeqLen} is longer than the model's position table (${positions})`);
  }
  const docStride = positiveInteger(given, 'docStride', Math.min(Math.floor(maxSeqLen / 2), 128), 0);
  if (docStride > maxSeqLen) throw new UnsupportedError(`${WHERE}: docStride ${docStride} is larger than maxSeqLen ${maxSeqLen}`);
  return {
    maxSeqLen,
    docStride,
    topK: positiveInteger(given, 'topK', 1),
    maxAnswerLen: positiveInteger(given, 'maxAnswerLen', 15),
    handleImpossibleAnswer: flag(given, 'handleImpossibleAnswer', false),
    alignToWords: flag(given, 'alignToWords', true),
    batchSize: batchSizeOption(given.batchSize, WHERE),
  };
}

/** The (question, context) pairs of a call, as HF's argument handler forms them. */
export function questionContextPairs(inputs: unknown): { pairs: [string, string][]; single: boolean } {
  const single = !Array.isArray(inputs);
  const items = (single ? [inputs] : inputs) as unknown[];
  if (items.length === 0) throw new InputError(`${WHERE}: the list of inputs is empty`);
  const pairs: [string, string][] = [];
  let many = !single;
  items.forEach((item, i) => {
    const name = single ? 'inputs' : `inputs[${i}]`;
    if (typeof item !== 'object' || item === null || !('question' in item) || !('context' in item)) {
      throw new InputError(`${WHERE}: ${name} must be { question, context }, got ${describeValue(item)}`);
    }
    const { question, context } = item as { question: unknown; context: unknown };
    const questions = Array.isArray(question) ? question : [question];
    const contexts = Array.isArray(context) ? context : questions.map(() => context);
    if (contexts.length !== questions.length) {
      throw new InputError(`${WHERE}: ${name} has ${questions.length} questions and ${contexts.length} contexts; give one context or one per question`);
    }
    if (Array.isArray(question) || Array.isArray(context)) many = true;
    questions.forEach((q, k) => {
      checkText(q, Array.isArray(question) ? `${name}.question[${k}]` : `${name}.question`, WHERE);
      checkText(contexts[k], Array.isArray(context) ? `${name}.context[${k}]` : `${name}.context`, WHERE);
      pairs.push([q, contexts[k] as string]);
    });
  });
  return { pairs, single: !many };
}

/** The windows of one pair: the question whole in each, the context cut with `docStride` overlap (HF's fast path). */
function encodeWindows(tokenizer: Tokenizer, [question, context]: [string, string], maxSeqLen: number, docStride: number, index: number): Encoding[] {
  let first: Encoding;
  try {
    first = tokenizer.encode(question, { pair: context, truncation: 'only_second', maxLength: maxSeqLen, stride: docStride, returnOverflowing: true, padding: false });
  } catch (error) {
    if (!(error instanceof TokenizerError)) throw error;
    throw new InputError(`${WHERE}: question ${index} does not fit with room for the context in maxSeqLen ${maxSeqLen} with docStride ${docStride} (${error.message})`);
  }
  if (!first.sequenceIds.includes(1)) throw new InputError(`${WHERE}: context ${index} has no tokens (${describeValue(context)})`);
  return [first, ...first.overflowing];
}

/** What the span selection needs of one window: its logits and which tokens may answer. */
function answerWindow(encoding: Encoding, start: Float32Array, end: Float32Array, clsId: number | undefined): AnswerWindow {
  const length = encoding.ids.length;
  return {
    startLogits: start.subarray(0, length),
    endLogits: end.subarray(0, length),
    // HF's p_mask: context tokens may answer; the [CLS] stays in the softmax for the null answer.
    allowed: encoding.ids.map((id, k) => (encoding.sequenceIds[k] === 1 || id === clsId) && encoding.attentionMask[k] === 1),
    clsIndex: 0,
    offsets: encoding.offsets,
    wordIds: encoding.wordIds,
    sequenceIds: encoding.sequenceIds,
  };
}

function create(context: PipelineContext) {
  const model = context.model as SpanModel;
  const { tokenizer } = context;
  const positions = maxPositions(model);
  const padId = padTokenId(model, tokenizer) ?? 0;
  return {
    async run(inputs: unknown, given: Readonly<Record<string, unknown>>) {
      const settings = options(given, positions);
      const { pairs, single } = questionContextPairs(inputs);
      const windows = pairs.flatMap((pair, i) => encodeWindows(tokenizer, pair, settings.maxSeqLen, settings.docStride, i).map((encoding) => ({ pair: i, encoding })));
      const perPair: AnswerWindow[][] = pairs.map(() => []);
      for (const group of chunks(windows, settings.batchSize)) {
        const batch = padBatch(group.map((w) => w.encoding), padId);
        const { startLogits, endLogits } = await model.forward({ inputIds: batch.inputIds, attentionMask: batch.attentionMask, tokenTypeIds: batch.tokenTypeIds });
        const width = startLogits.shape[1]!;
        group.forEach((w, b) => {
          const rows = [startLogits, endLogits].map((t) => t.data.subarray(b * width, (b + 1) * width));
          perPair[w.pair]!.push(answerWindow(w.encoding, rows[0]!, rows[1]!, tokenizer.specialTokens.cls?.id));
        });
      }
      const answers = perPair.map((list, i) => {
        const best = selectAnswers(pairs[i]![1], list, settings);
        return settings.topK === 1 ? best[0]! : best;
      });
      return single ? answers[0] : answers;
    },
  };
}

export const questionAnswering: TaskDefinition = {
  task: 'question-answering',
  architectures: [BertForQuestionAnswering],
  modelTypes: { bert: BertForQuestionAnswering },
  callOptions: ['topK', 'maxAnswerLen', 'maxSeqLen', 'docStride', 'handleImpossibleAnswer', 'alignToWords', 'batchSize'],
  create,
};
