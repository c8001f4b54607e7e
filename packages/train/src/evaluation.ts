import { type HostTensor, IGNORE_INDEX, InputError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import type { TrainableModel } from './trainer.js';

/** What `evaluate` returns: the mean loss (when batches have labels) and whatever `computeMetrics` gave. */
export type EvalMetrics = Record<string, number>;

/** A finite source of evaluation batches; a function is called anew for every evaluation. */
export type BatchSource<B> = Iterable<B> | AsyncIterable<B> | (() => Iterable<B> | AsyncIterable<B>);

export interface EvaluateOptions<B, C = Record<string, HostTensor>> {
  readonly batches: BatchSource<B>;
  /** Program outputs to download for metrics (e.g. `['logits']`); default none. */
  readonly outputs?: readonly string[];
  /**
   * Reduces one batch's downloaded outputs to what metrics need (Hugging Face's
   * `preprocess_logits_for_metrics`), e.g. argmax ids instead of [B, T, V] logits; default: keep them.
   */
  readonly collect?: (outputs: Record<string, HostTensor>, batch: B) => C;
  /** Metrics over every batch's collected outputs (Hugging Face's `compute_metrics`). */
  readonly computeMetrics?: (collected: C[], batches: B[]) => EvalMetrics | Promise<EvalMetrics>;
  /**
   * How batch losses are averaged: `tokens` (default) weighs each by the label positions its loss
   * averages over (a causal LM's first position predicts nothing), so the mean is the per-token loss of
   * the whole set; `rows` weighs by batch size, as Hugging Face's Trainer does.
   */
  readonly lossWeighting?: 'tokens' | 'rows';
}

const OPTIONS = ['batches', 'outputs', 'collect', 'computeMetrics', 'lossWeighting'];

/**
 * Runs `model`'s forward program over every batch in inference mode (no gradients, no parameter
 * updates): the engine's current weights, as training left them. Returns `{ loss, ...metrics }`.
 */
export async function evaluateModel<B, C>(model: TrainableModel<B>, options: EvaluateOptions<B, C>): Promise<EvalMetrics> {
  checkOptions(options, OPTIONS, 'evaluate');
  const { outputs = [], collect, computeMetrics, lossWeighting = 'tokens' } = options;
  if (lossWeighting !== 'tokens' && lossWeighting !== 'rows') {
    throw new InputError(`evaluate lossWeighting must be "tokens" or "rows", got ${JSON.stringify(lossWeighting)}`);
  }
  if (outputs.includes('loss')) throw new InputError('evaluate outputs: "loss" is always averaged; list only the outputs metrics need');
  const source = typeof options.batches === 'function' ? options.batches() : options.batches;
  if (source === null || typeof source !== 'object' || !(Symbol.iterator in source || Symbol.asyncIterator in source)) {
    throw new InputError('evaluate batches must be an iterable, an async iterable or a function returning one');
  }
  const collected: C[] = [];
  const seen: B[] = [];
  let lossSum = 0;
  let weightSum = 0;
  let withLoss = 0;
  for await (const batch of source) {
    let bound = model.forwardProgram(batch);
    const labels = bound.inputs.labels;
    // Only the loss wanted: the loss-only program (a masked LM then never computes the logits of unlabelled positions).
    if (labels && outputs.length === 0) bound = model.forwardProgram(batch, { lossOnly: true });
    const wanted = labels ? ['loss', ...outputs] : [...outputs];
    const out = wanted.length > 0 ? await model.backend.run(bound.program, bound.inputs, { outputs: wanted }) : {};
    for (const name of outputs) {
      if (!out[name]) throw new InputError(`evaluate: the model's forward program has no output "${name}"`);
    }
    if (labels) {
      if (!out.loss) throw new InputError(`evaluate: the model's forward program gave no loss for a batch with labels`);
      const weight = lossWeighting === 'rows' ? labels.shape[0]! : countedLabels(labels, isCausalLM(model));
      lossSum += out.loss.data[0]! * weight;
      weightSum += weight;
      withLoss++;
    }
    if (computeMetrics) {
      const kept: Record<string, HostTensor> = {};
      for (const name of outputs) kept[name] = out[name]!;
      collected.push(collect ? collect(kept, batch) : (kept as C));
      seen.push(batch);
    }
  }
  if (seen.length === 0 && withLoss === 0) throw new InputError('evaluate: the batches were empty');
  const result: EvalMetrics = {};
  if (withLoss > 0) result.loss = weightSum > 0 ? lossSum / weightSum : Number.NaN;
  if (computeMetrics) Object.assign(result, await computeMetrics(collected, seen));
  return result;
}

/**
 * Label positions a batch's loss is the mean over: those not −100, and in a causal LM (whose labels are
 * shifted inside the model, as Hugging Face's are) not the first of each row.
 */
function countedLabels(labels: HostTensor, shifted: boolean): number {
  const length = labels.shape.length === 2 ? labels.shape[1]! : 1;
  let n = 0;
  for (let i = 0; i < labels.data.length; i++) {
    if (shifted && length > 1 && i % length === 0) continue;
    if (labels.data[i] !== IGNORE_INDEX) n++;
  }
  return n;
}

/** Causal LMs (core's `CausalLM`: models that decode) shift their labels by one position. */
function isCausalLM(model: object): boolean {
  return typeof (model as { startSession?: unknown }).startSession === 'function';
}

/** The id of the largest value along the last axis of `t` ([…, V] → […]), e.g. predicted classes from logits. */
export function argmaxLastAxis(t: HostTensor): Int32Array {
  const size = t.shape.at(-1);
  if (size === undefined || size === 0) throw new InputError(`argmaxLastAxis needs a tensor with a non-empty last axis, got [${t.shape.join(', ')}]`);
  const out = new Int32Array(t.data.length / size);
  for (let row = 0; row < out.length; row++) {
    let best = 0;
    for (let j = 1; j < size; j++) if (t.data[row * size + j]! > t.data[row * size + best]!) best = j;
    out[row] = best;
  }
  return out;
}
