/**
 * `feature-extraction`: the backbone's last hidden state per token, as Hugging Face's pipeline returns
 * it, or one sentence vector per input with transformers.js's `pooling` ('mean' over the attention
 * mask, or 'cls' = the first token) and `normalize` (L2) options.
 */
import { type HostTensor, type PreTrainedModel, UnsupportedError } from '@attnjs/core';
import { checkBoolean, describeValue } from '@attnjs/core/internal';
import { BertModel } from '@attnjs/bert';
import { GPT2Model } from '@attnjs/gpt';
import { batchSizeOption, checkTexts, forEachBatch, type PaddedBatch } from '../batching.js';
import type { PipelineBase } from '../pipeline.js';
import type { ModelClass, PipelineContext, TaskDefinition } from '../registry.js';

export type Pooling = 'none' | 'mean' | 'cls';

export interface FeatureExtractionOptions {
  /** 'none' (default): one vector per token; 'mean' / 'cls': one per input. */
  readonly pooling?: Pooling;
  /** Scale each returned vector to unit L2 norm. Default false. */
  readonly normalize?: boolean;
  readonly batchSize?: number;
}

/** Per input: [tokens][hidden] (no pooling) or [hidden] (pooled); a list of inputs gives a list of those. */
export interface FeatureExtractionPipeline extends PipelineBase {
  (input: string, options?: FeatureExtractionOptions): Promise<number[][] | number[]>;
  (inputs: readonly string[], options?: FeatureExtractionOptions): Promise<(number[][] | number[])[]>;
}

/** The outputs a model's forward may give; `lastHiddenState` for backbones and LM heads, `hiddenStates` for task heads. */
interface HiddenStatesModel extends PreTrainedModel {
  readonly config: object;
  forward(inputs: Record<string, unknown>): Promise<{ lastHiddenState?: HostTensor<'float32'>; hiddenStates?: HostTensor<'float32'>[] }>;
}

const WHERE = "pipeline('feature-extraction')";
const POOLINGS: readonly Pooling[] = ['none', 'mean', 'cls'];

/** Classes whose forward returns `lastHiddenState` (the task heads return it as the last of `hiddenStates`). */
const RETURNS_LAST_STATE = new Set(['BertModel', 'GPT2Model', 'GPT2LMHeadModel', 'BertForMaskedLM', 'BertForPreTraining', 'BertLMHeadModel']);

async function lastHiddenState(model: HiddenStatesModel, batch: PaddedBatch): Promise<HostTensor<'float32'>> {
  const direct = RETURNS_LAST_STATE.has(model.modelName);
  const out = await model.forward({
    inputIds: batch.inputIds,
    attentionMask: batch.attentionMask,
    ...('typeVocabSize' in model.config ? { tokenTypeIds: batch.tokenTypeIds } : {}),
    ...(direct ? {} : { outputHiddenStates: true }),
  });
  const state = direct ? out.lastHiddenState : out.hiddenStates?.at(-1);
  if (!state) throw new UnsupportedError(`${WHERE}: ${model.modelName}.forward returned no hidden states`);
  return state;
}

function l2Normalize(vector: number[]): number[] {
  // As torch.nn.functional.normalize: divide by max(norm, 1e-12).
  const norm = Math.max(Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0)), 1e-12);
  return vector.map((x) => x / norm);
}

/** Row `b`'s vectors: per real token, or pooled. */
function features(state: HostTensor<'float32'>, batch: PaddedBatch, b: number, pooling: Pooling): number[][] | number[] {
  const [, length, hidden] = state.shape as [number, number, number];
  const tokens = batch.encodings[b]!.ids.length; // right padding: the real tokens come first
  const vector = (t: number) => Array.from(state.data.subarray((b * length + t) * hidden, (b * length + t + 1) * hidden));
  if (pooling === 'cls') return vector(0);
  const rows = Array.from({ length: tokens }, (_, t) => vector(t));
  if (pooling === 'none') return rows;
  const mean = new Array<number>(hidden).fill(0);
  for (const r of rows) for (let i = 0; i < hidden; i++) mean[i]! += r[i]!;
  return mean.map((x) => x / tokens);
}

function create(context: PipelineContext) {
  const model = context.model as HiddenStatesModel;
  return {
    async run(inputs: unknown, options: Readonly<Record<string, unknown>>) {
      const { texts, single } = checkTexts(inputs, WHERE);
      const pooling = (options.pooling ?? 'none') as Pooling;
      if (!POOLINGS.includes(pooling)) throw new UnsupportedError(`${WHERE}: pooling must be one of ${POOLINGS.join(', ')}, got ${describeValue(options.pooling)}`);
      const normalize = checkBoolean(options.normalize, 'normalize', WHERE);
      const batchSize = batchSizeOption(options.batchSize, WHERE);
      const results = await forEachBatch(model, context.tokenizer, texts, batchSize, async (batch) => {
        const state = await lastHiddenState(model, batch);
        return batch.encodings.map((_, b) => {
          const out = features(state, batch, b, pooling);
          if (!normalize) return out;
          return pooling === 'none' ? (out as number[][]).map(l2Normalize) : l2Normalize(out as number[]);
        });
      });
      return single ? results[0] : results;
    },
  };
}

/** BertModel without the pooler, which feature extraction never uses (masked-LM and token-level checkpoints have none). */
const BertEncoder: ModelClass = {
  modelName: BertModel.modelName,
  fromPretrained: (dir, options) => BertModel.fromPretrained(dir, { addPoolingLayer: false, ...options }),
};

export const featureExtraction: TaskDefinition = {
  task: 'feature-extraction',
  architectures: [BertEncoder, GPT2Model],
  modelTypes: { bert: BertEncoder, gpt2: GPT2Model },
  // Any attn.js model: every one exposes its backbone's hidden states.
  accepts: (model) => typeof (model as { forward?: unknown }).forward === 'function',
  callOptions: ['pooling', 'normalize', 'batchSize'],
  create,
};
