/**
 * GPT2LMHeadModel's one inference graph. Forward (with or without labels and hidden states), prefill and
 * cached or uncached decode all run this program, so a graph engine compiles it once and holds one copy
 * of the weights (ONNX Runtime would otherwise keep a copy per compiled variant). Its past may be empty,
 * as in Hugging Face's merged decoders; `logits_index` picks the positions that get logits (all of them in
 * a forward, the last in decoding), so a prefill never pays for logits it drops.
 *
 *   input_ids [B, T], attention_mask [B, T] (the new positions), past_attention_mask [B, P],
 *   position_ids [B, T], targets [B, K] (the next token at each logits position, −100 = none), logits_index [K],
 *   past_key_values.{i}.key / .value [B, h, P, hs]
 *   → logits [B, K, V], loss, last_hidden_state and hidden_states.{i} [B, T, d],
 *     present.{i}.key / .value [B, h, T, hs] (the new positions' only: a cache appends them), new_attention_mask [B, T]
 *
 * The past starts with one inert position (`inertPast`) and may carry zero rows of spare capacity that its
 * mask hides (see `Program.stateAppends`).
 *
 * `forward({ outputAttentions: true })` runs a variant under its own key that also outputs
 * attentions.{i} [B, h, T, P + T], with the decomposed attention (a fused kernel never materialises the
 * probabilities). They are not optional outputs of the one graph because ONNX Runtime keeps every graph
 * output allocated to the end of a run, fetched or not: measured on ort-node, 6 layers × 8 heads at
 * T = 1024 held 190 MB more per forward (L·heads·T² floats), prefill included. A graph engine therefore
 * compiles the variant, with its own copy of the weights, only for a model whose attentions are asked for.
 */
import {
  type HostTensor,
  IGNORE_INDEX,
  type KeyValue,
  type Ops,
  type Program,
  type StateAppend,
  type Tensor,
  crossEntropy,
  hostTensor,
  layerOutputs,
} from '@attnjs/core';
import type { GPT2LMHeadModel } from './modeling.js';

export const pastKey = (i: number) => `past_key_values.${i}.key`;
export const pastValue = (i: number) => `past_key_values.${i}.value`;
export const presentKey = (i: number) => `present.${i}.key`;
export const presentValue = (i: number) => `present.${i}.value`;
export const PAST_MASK = 'past_attention_mask';

/** The cache slots of an `nLayer`-block model, key then value per block. */
export const cacheSlots = (nLayer: number) => Array.from({ length: nLayer }, (_, i) => [pastKey(i), pastValue(i)]).flat();

/** One key for every use but attentions: graph engines compile and keep a single session per model. */
const KEY = 'lm';
const ATTENTIONS_KEY = 'lm+attentions';

function build(model: GPT2LMHeadModel, ops: Ops, x: Record<string, Tensor>, outputAttentions: boolean): Record<string, Tensor> {
  const nLayer = model.config.nLayer;
  const past: KeyValue[] = Array.from({ length: nLayer }, (_, i) => ({ key: x[pastKey(i)]!, value: x[pastValue(i)]! }));
  const { states, presents, attentions } = model.transformer.decode(ops, x.input_ids!, {
    attentionMask: x.attention_mask,
    pastAttentionMask: x[PAST_MASK],
    positionIds: x.position_ids,
    past,
    outputAttentions,
  });
  const last = states.at(-1)!;
  const picked = ops.transpose(ops.gather(ops.transpose(last, [1, 0, 2]), x.logits_index!), [1, 0, 2]); // (B, K, d)
  const logits = model.lmHead(ops, picked); // (B, K, V)
  const outputs: Record<string, Tensor> = {
    logits,
    // Targets come shifted from the host, so no slice here is ever empty: engines differ on reductions
    // over empty tensors (onnxruntime-web's WebGPU ReduceSum refuses them), and a decode step has K = 1.
    loss: crossEntropy(ops, logits, x.targets!),
    last_hidden_state: last,
    new_attention_mask: ops.reshape(x.attention_mask!, [0, -1]), // what the cached program appends to its mask slot
  };
  // The attentions a caller sees cover its own positions: the inert past position is dropped.
  const own = attentions.map((a) => ops.slice(a, -1, 1));
  Object.assign(outputs, layerOutputs({ states, attentions: own }, { allStates: true, allAttentions: outputAttentions }));
  presents.forEach(({ key, value }, i) => {
    outputs[presentKey(i)] = key;
    outputs[presentValue(i)] = value;
  });
  return outputs;
}

/** The graph fed entirely from the host (forward, uncached decoding): no engine state. `outputAttentions`: the variant that also outputs them. */
export function statelessProgram(model: GPT2LMHeadModel, outputAttentions = false): Program {
  return { owner: model, key: outputAttentions ? ATTENTIONS_KEY : KEY, build: (ops, x) => build(model, ops, x, outputAttentions) };
}

/**
 * The same graph with the past and its mask read from an engine state, and the new keys, values and mask
 * columns appended to it: a step's outputs are its own rows, never the cache.
 */
export function cachedProgram(model: GPT2LMHeadModel): Program {
  const nLayer = model.config.nLayer;
  const stateAppends: Record<string, StateAppend> = { new_attention_mask: { slot: PAST_MASK, axis: 1 } };
  for (let i = 0; i < nLayer; i++) {
    stateAppends[presentKey(i)] = { slot: pastKey(i), axis: 2 };
    stateAppends[presentValue(i)] = { slot: pastValue(i), axis: 2 };
  }
  return { ...statelessProgram(model), stateInputs: [PAST_MASK, ...cacheSlots(nLayer)], stateAppends };
}

/**
 * The past a forward feeds and a cache starts from: one inert position per row (zero keys and values, mask
 * −1). Not empty, because ONNX Runtime's WebGPU provider refuses zero-sized MatMul operands, and the
 * attention reads the past in its own product. Its mask −1 makes its additive mask 2 × MASK_VALUE, so its
 * softmax weight is exactly 0 even in a row whose every real key is masked (a left-padded position).
 */
export function inertPast(model: GPT2LMHeadModel, rows: number): Record<string, HostTensor> {
  const { nLayer, nHead, nEmbd } = model.config;
  const feeds: Record<string, HostTensor> = { [PAST_MASK]: hostTensor(new Int32Array(rows).fill(-1), [rows, 1]) };
  for (const slot of cacheSlots(nLayer)) feeds[slot] = hostTensor(new Float32Array(rows * nEmbd), [rows, nHead, 1, nEmbd / nHead]);
  return feeds;
}

/** `count` positions from `start`, as int32 [count]. */
export const indexRange = (start: number, count: number) =>
  hostTensor(Int32Array.from({ length: count }, (_, i) => start + i), [count]);

/** Targets that ignore every position: what the graph's loss input gets when no labels were given. */
export const ignoredTargets = (rows: number, count: number) => hostTensor(new Int32Array(rows * count).fill(IGNORE_INDEX), [rows, count]);

/**
 * Causal-LM targets from unshifted labels [B, T], as Hugging Face shifts them inside GPT2LMHeadModel:
 * position t is scored against label t + 1; the last position has none.
 */
export function shiftedTargets(labels: HostTensor): HostTensor<'int32'> {
  const [rows, length] = labels.shape as [number, number];
  const targets = new Int32Array(rows * length).fill(IGNORE_INDEX);
  for (let r = 0; r < rows; r++) targets.set(labels.data.subarray(r * length + 1, (r + 1) * length), r * length);
  return hostTensor(targets, [rows, length]);
}

/**
 * The graph's feeds for a plain forward over checked host inputs (ids, optional mask and labels): an
 * inert past, positions 0…T−1 (as Hugging Face's GPT-2 forward without position_ids), logits everywhere.
 */
export function forwardFeeds(model: GPT2LMHeadModel, inputs: Readonly<Record<string, HostTensor>>): Record<string, HostTensor> {
  const ids = inputs.input_ids as HostTensor<'int32'>;
  const [rows, length] = ids.shape as [number, number];
  const positions = new Int32Array(rows * length);
  for (let r = 0; r < rows; r++) for (let i = 0; i < length; i++) positions[r * length + i] = i;
  return {
    ...inertPast(model, rows),
    input_ids: ids,
    attention_mask: inputs.attention_mask ?? hostTensor(new Int32Array(rows * length).fill(1), [rows, length]),
    position_ids: hostTensor(positions, [rows, length]),
    targets: inputs.labels ? shiftedTargets(inputs.labels) : ignoredTargets(rows, length),
    logits_index: indexRange(0, length),
  };
}
