import { ConfigError, UnsupportedError } from '../errors.js';
import type { AttentionOptions, Tensor, WeightLayout } from '../kernels.js';
import { Module } from '../module.js';
import type { Ops } from '../ops.js';
import type { TrainingMode } from './dropout.js';
import { Linear } from './linear.js';

/** Where a model's checkpoint keeps the projections: one fused q|k|v matrix, or three. */
export type AttentionNames =
  | { readonly qkv: string; readonly output: string }
  | { readonly query: string; readonly key: string; readonly value: string; readonly output: string };

export interface MultiHeadAttentionConfig {
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly causal: boolean;
  readonly layout: WeightLayout;
  readonly names: AttentionNames;
  /** Dropout on the attention probabilities in training (`attn_pdrop`, `attention_probs_dropout_prob`); default 0. */
  readonly attentionDropout?: number;
}

/** Keys and values of earlier positions, [B, heads, Tpast, headDim] each. */
export interface KeyValue {
  readonly key: Tensor;
  readonly value: Tensor;
}

export interface AttentionInput {
  /** Additive padding mask broadcastable to [B, heads, Tq, Tk] (see `Ops.paddingMask`). */
  readonly mask?: Tensor;
  /** The KV-cache seam: earlier keys/values are prepended, and the causal mask shifts to match. */
  readonly past?: KeyValue;
  /**
   * With `past`, for a cache that grows in the engine (`Program.stateAppends`): the additive mask over the
   * past keys alone ([B, 1, 1, Tpast]); `mask` then covers only this call's keys, and `present` holds only
   * this call's keys/values, for the caller to append. The past is read where it lies, never concatenated
   * (which would copy the whole cache each step), and may carry masked zero rows of spare capacity.
   * Inference only: not combined with `training`.
   */
  readonly pastMask?: Tensor;
  /** Training mode (dropout on); absent in inference. */
  readonly training?: TrainingMode;
  /** Also return the attention probabilities (HF's `output_attentions`); forces the decomposed attention. */
  readonly outputAttentions?: boolean;
}

/** What one attention call returns. */
export interface AttentionOutput {
  readonly output: Tensor; // (B, T, d)
  /** This call's keys/values including `past` (only this call's with `pastMask`). */
  readonly present: KeyValue;
  /**
   * With `outputAttentions`: softmax probabilities (B, h, T, Tpast + T); in training, after attention dropout
   * (the ones multiplied by V, as Hugging Face's BERT and GPT-2 return them).
   */
  readonly probabilities?: Tensor;
}

/** Multi-head self-attention with a causal and/or padding mask. */
export class MultiHeadAttention extends Module {
  readonly headDim: number;
  private readonly qkv?: Linear;
  private readonly separate?: { query: Linear; key: Linear; value: Linear };
  private readonly output: Linear;

  constructor(readonly config: MultiHeadAttentionConfig) {
    super();
    const { hiddenSize: d, numHeads, layout, names } = config;
    if (!Number.isInteger(numHeads) || numHeads < 1 || d % numHeads !== 0) {
      throw new ConfigError(`hidden size ${d} is not divisible by ${numHeads} attention heads`);
    }
    this.headDim = d / numHeads;
    if ('qkv' in names) {
      this.qkv = this.child(names.qkv, new Linear(d, 3 * d, { layout }));
    } else {
      this.separate = {
        query: this.child(names.query, new Linear(d, d, { layout })),
        key: this.child(names.key, new Linear(d, d, { layout })),
        value: this.child(names.value, new Linear(d, d, { layout })),
      };
    }
    this.output = this.child(names.output, new Linear(d, d, { layout }));
  }

  /** x [B, T, d] → { output [B, T, d], present: this call's keys/values including `past`, probabilities? }. */
  forward(ops: Ops, x: Tensor, input: AttentionInput = {}): AttentionOutput {
    const d = this.config.hiddenSize;
    let q: Tensor, k: Tensor, v: Tensor;
    if (this.qkv) {
      const fused = this.qkv.forward(ops, x); // (B, T, 3d), columns q|k|v
      [q, k, v] = [0, 1, 2].map((i) => ops.slice(fused, -1, i * d, (i + 1) * d)) as [Tensor, Tensor, Tensor];
    } else {
      const s = this.separate!;
      [q, k, v] = [s.query.forward(ops, x), s.key.forward(ops, x), s.value.forward(ops, x)];
    }
    q = this.splitHeads(ops, q); // (B, h, T, hs)
    k = this.splitHeads(ops, k);
    v = this.splitHeads(ops, v);
    const { training } = input;
    const rate = this.config.attentionDropout ?? 0;
    const dropProbabilities = training && rate > 0 ? (p: Tensor) => training.dropout(ops, p, rate) : undefined;
    const options = { causal: this.config.causal, mask: input.mask, scale: 1 / Math.sqrt(this.headDim) };
    let attended: { context: Tensor; probabilities?: Tensor };
    if (input.past && input.pastMask) {
      if (training) throw new UnsupportedError('attention over an engine-grown cache (pastMask) is for inference; training mode concatenates its past');
      attended = attendAfterPast(ops, q, k, v, input.past, input.pastMask, options, input.outputAttentions === true);
    } else {
      if (input.past) {
        k = ops.concat([input.past.key, k], 2); // (B, h, Tpast + T, hs)
        v = ops.concat([input.past.value, v], 2);
      }
      attended = input.outputAttentions
        ? ops.attentionWithProbabilities(q, k, v, options, dropProbabilities)
        : { context: ops.attention(q, k, v, options, dropProbabilities) }; // (B, h, T, hs)
    }
    const merged = ops.reshape(ops.transpose(attended.context, [0, 2, 1, 3]), [0, 0, d]); // (B, T, d)
    return { output: this.output.forward(ops, merged), present: { key: k, value: v }, probabilities: attended.probabilities };
  }

  private splitHeads(ops: Ops, x: Tensor): Tensor {
    const heads = ops.reshape(x, [0, 0, this.config.numHeads, this.headDim]); // (B, T, h, hs)
    return ops.transpose(heads, [0, 2, 1, 3]); // (B, h, T, hs)
  }
}

/**
 * Attention of this call's queries over the past keys and their own, without joining the keys: the softmax
 * runs over both score blocks (joined, they are small) and each block multiplies its own values. The past
 * block needs no causal mask (every past key precedes every query); this call's block gets the square one.
 */
function attendAfterPast(
  ops: Ops,
  q: Tensor,
  k: Tensor,
  v: Tensor,
  past: KeyValue,
  pastMask: Tensor,
  options: AttentionOptions,
  withProbabilities: boolean,
): { context: Tensor; probabilities?: Tensor } {
  const scale = ops.scalar(options.scale);
  const onPast = ops.add(ops.mul(ops.matmul(q, past.key, false, true), scale), pastMask); // (B, h, T, Tpast)
  let onNew = ops.mul(ops.matmul(q, k, false, true), scale); // (B, h, T, T)
  if (options.causal) onNew = ops.add(onNew, ops.causalMask(onNew));
  if (options.mask) onNew = ops.add(onNew, options.mask);
  const top = ops.max(ops.concat([onPast, onNew], 3), [-1], true); // (B, h, T, 1)
  const expPast = ops.exp(ops.sub(onPast, top));
  const expNew = ops.exp(ops.sub(onNew, top));
  const joined = ops.concat([expPast, expNew], 3);
  const total = ops.sum(joined, [-1], true);
  const context = ops.div(ops.add(ops.matmul(expPast, past.value), ops.matmul(expNew, v)), total); // (B, h, T, hs)
  return { context, probabilities: withProbabilities ? ops.div(joined, total) : undefined };
}
