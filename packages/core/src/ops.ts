import { InputError, UnsupportedError } from './errors.js';
import type { AdamWResult, AdamWStep, AttentionOptions, GeluApproximation, Kernels, Tensor, WeightLayout } from './kernels.js';
import type { DType, HostTensor } from './host.js';
import type { Parameter } from './module.js';

/** A large negative logit used for masking; finite so fully-masked rows give a uniform softmax, not NaN. */
export const MASK_VALUE = -1e9;

/**
 * What layer code calls. It forwards the primitive ops to the backend's kernels and, for the fused ops,
 * uses the backend's kernel when it has one and the decomposition below otherwise. Decompositions are
 * written once here, in primitive ops, so every backend computes the same math.
 */
export class Ops {
  constructor(readonly kernels: Kernels) {}

  // ── helpers ─────────────────────────────────────────────────────────────
  scalar(value: number, dtype: DType = 'float32'): Tensor {
    const data = dtype === 'float32' ? new Float32Array([value]) : new Int32Array([value]);
    return this.kernels.constant({ dtype, shape: [], data } as HostTensor);
  }
  /** Last dimension, which layer code needs static (hidden size, vocabulary). */
  lastDim(x: Tensor): number {
    const d = x.shape[x.shape.length - 1];
    if (d == null) throw new Error('internal: last dimension must be static');
    return d;
  }

  // ── primitives ──────────────────────────────────────────────────────────
  param = (p: Parameter) => this.kernels.param(p);
  constant = (v: HostTensor) => this.kernels.constant(v);
  cast = (x: Tensor, dtype: DType) => this.kernels.cast(x, dtype);
  reshape = (x: Tensor, shape: readonly number[]) => this.kernels.reshape(x, shape);
  transpose = (x: Tensor, perm: readonly number[]) => this.kernels.transpose(x, perm);
  slice = (x: Tensor, axis: number, start: number, end?: number) => this.kernels.slice(x, axis, start, end);
  concat = (xs: readonly Tensor[], axis: number) => this.kernels.concat(xs, axis);
  add = (a: Tensor, b: Tensor) => this.kernels.add(a, b);
  sub = (a: Tensor, b: Tensor) => this.kernels.sub(a, b);
  mul = (a: Tensor, b: Tensor) => this.kernels.mul(a, b);
  div = (a: Tensor, b: Tensor) => this.kernels.div(a, b);
  neg = (x: Tensor) => this.kernels.neg(x);
  exp = (x: Tensor) => this.kernels.exp(x);
  log = (x: Tensor) => this.kernels.log(x);
  sqrt = (x: Tensor) => this.kernels.sqrt(x);
  tanh = (x: Tensor) => this.kernels.tanh(x);
  erf = (x: Tensor) => this.kernels.erf(x);
  notEqual = (a: Tensor, b: Tensor) => this.kernels.notEqual(a, b);
  matmul = (a: Tensor, b: Tensor, transposeA = false, transposeB = false) =>
    this.kernels.matmul(a, b, transposeA, transposeB);
  sum = (x: Tensor, axes: readonly number[], keepDims = false) => this.kernels.sum(x, axes, keepDims);
  mean = (x: Tensor, axes: readonly number[], keepDims = false) => this.kernels.mean(x, axes, keepDims);
  max = (x: Tensor, axes: readonly number[], keepDims = false) => this.kernels.max(x, axes, keepDims);
  argmax = (x: Tensor, axis: number) => this.kernels.argmax(x, axis);
  softmax = (x: Tensor) => this.kernels.softmax(x);
  logSoftmax = (x: Tensor) => this.kernels.logSoftmax(x);
  gather = (table: Tensor, ids: Tensor) => this.kernels.gather(table, ids);
  takeAlongLastAxis = (x: Tensor, idx: Tensor) => this.kernels.takeAlongLastAxis(x, idx);
  range = (like: Tensor, axis: number, offset = 0) => this.kernels.range(like, axis, offset);
  causalMask = (scores: Tensor) => this.kernels.causalMask(scores);

  // ── fused ops: backend kernel if present, else the decomposition ───────
  linear(x: Tensor, weight: Tensor, bias: Tensor | undefined, layout: WeightLayout): Tensor {
    if (this.kernels.linear) return this.kernels.linear(x, weight, bias, layout);
    const y = this.matmul(x, weight, false, layout === 'outIn');
    return bias ? this.add(y, bias) : y;
  }

  layerNorm(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor {
    if (this.kernels.layerNorm) return this.kernels.layerNorm(x, weight, bias, eps);
    const centered = this.sub(x, this.mean(x, [-1], true));
    const variance = this.mean(this.mul(centered, centered), [-1], true);
    const normed = this.div(centered, this.sqrt(this.add(variance, this.scalar(eps))));
    return this.add(this.mul(normed, weight), bias);
  }

  gelu(x: Tensor, approximate: GeluApproximation): Tensor {
    if (this.kernels.gelu) return this.kernels.gelu(x, approximate);
    const half = this.mul(x, this.scalar(0.5));
    if (approximate === 'none') {
      // 0.5·x·(1 + erf(x/√2))
      return this.mul(half, this.add(this.scalar(1), this.erf(this.mul(x, this.scalar(Math.SQRT1_2)))));
    }
    // gelu_new: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
    const cube = this.mul(this.mul(x, x), x);
    const inner = this.mul(this.add(x, this.mul(cube, this.scalar(0.044715))), this.scalar(Math.sqrt(2 / Math.PI)));
    return this.mul(half, this.add(this.scalar(1), this.tanh(inner)));
  }

  /**
   * `dropProbabilities` (attention dropout in training) acts between the softmax and ·V, so with it the
   * decomposition runs even where the engine has a fused attention kernel.
   */
  attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions, dropProbabilities?: (p: Tensor) => Tensor): Tensor {
    if (this.kernels.attention && !dropProbabilities) return this.kernels.attention(q, k, v, options);
    return this.attentionWithProbabilities(q, k, v, options, dropProbabilities).context;
  }

  /**
   * Attention that also returns its probabilities [B, h, Tq, Tk] (Hugging Face's `output_attentions`).
   * Always the decomposition: a fused kernel never materialises the probabilities, so a call that needs
   * them gives the fused kernel up for this call only. With `dropProbabilities` the returned probabilities
   * are the dropped ones that multiply V, as Hugging Face's BERT and GPT-2 return them in training mode.
   */
  attentionWithProbabilities(
    q: Tensor,
    k: Tensor,
    v: Tensor,
    options: AttentionOptions,
    dropProbabilities?: (p: Tensor) => Tensor,
  ): { context: Tensor; probabilities: Tensor } {
    let scores = this.mul(this.matmul(q, k, false, true), this.scalar(options.scale)); // (B, h, Tq, Tk)
    if (options.causal) scores = this.add(scores, this.causalMask(scores));
    if (options.mask) scores = this.add(scores, options.mask);
    const softmax = this.softmax(scores);
    const probabilities = dropProbabilities ? dropProbabilities(softmax) : softmax;
    return { context: this.matmul(probabilities, v), probabilities }; // (B, h, Tq, d), (B, h, Tq, Tk)
  }

  /**
   * Inverted dropout, as torch's nn.Dropout in training: each element zeroed with probability `rate`, the
   * rest scaled by 1/(1 − rate); `seed` picks the mask. Rate 0 is the identity; rate 1 zeroes everything.
   */
  dropout(x: Tensor, rate: number, seed: number): Tensor {
    if (!(rate >= 0 && rate <= 1)) throw new InputError(`dropout rate must be in [0, 1], got ${rate}`);
    if (rate === 0) return x;
    if (rate === 1) return this.mul(x, this.scalar(0));
    if (!this.kernels.randomMask) throw new UnsupportedError('this engine has no randomMask kernel, so it cannot apply dropout (train on tfjs)');
    return this.mul(x, this.kernels.randomMask(x, 1 - rate, seed));
  }

  /**
   * One AdamW step, as torch.optim.AdamW (amsgrad off) computes it per element, in float32, in this
   * order: g ← g·gradScale; θ ← θ·decay; m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
   * θ ← θ − (m / (√v / √(1 − β2^t) + eps))·stepSize.
   */
  adamw(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, step: AdamWStep): AdamWResult {
    if (this.kernels.adamw) return this.kernels.adamw(param, grad, expAvg, expAvgSq, step);
    const { beta1, beta2, eps } = step;
    const g = this.mul(grad, step.gradScale);
    const decayed = step.decay ? this.mul(param, step.decay) : param;
    const m = this.add(this.mul(expAvg, this.scalar(beta1)), this.mul(g, this.scalar(1 - beta1)));
    const v = this.add(this.mul(expAvgSq, this.scalar(beta2)), this.mul(this.mul(g, g), this.scalar(1 - beta2)));
    const denom = this.add(this.div(this.sqrt(v), step.biasCorrection2Sqrt), this.scalar(eps));
    return { param: this.sub(decayed, this.mul(this.div(m, denom), step.stepSize)), expAvg: m, expAvgSq: v };
  }

  /**
   * Σ x² over every element of every tensor, as a float32 scalar (a global gradient norm's square).
   * Decomposed, each tensor is summed one axis at a time (rows first): engines that accumulate a
   * whole-tensor sum in float32 (tfjs-wasm) lose ~1e-4 of a 10⁵-element sum in one pass.
   */
  sumOfSquares(xs: readonly Tensor[]): Tensor {
    if (xs.length === 0) throw new InputError('sumOfSquares needs at least one tensor');
    if (this.kernels.sumOfSquares) return this.kernels.sumOfSquares(xs);
    const sums = xs.map((x) => {
      let out = this.mul(x, x);
      for (let i = 0; i < x.shape.length; i++) out = this.sum(out, [-1]);
      return out;
    });
    return sums.reduce((a, b) => this.add(a, b));
  }

  // ── small compositions used by several layers ───────────────────────────
  /** [B, T] float mask of 1 (attend) / 0 (padding) → additive [B, 1, 1, T]. */
  paddingMask(attentionMask: Tensor): Tensor {
    const additive = this.mul(this.sub(this.scalar(1), attentionMask), this.scalar(MASK_VALUE));
    return this.reshape(additive, [0, 1, 1, -1]);
  }
}
