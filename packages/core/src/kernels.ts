import type { DType, HostTensor } from './host.js';
import type { Parameter } from './module.js';

/**
 * An engine-side tensor as layer code sees it. Eager engines know every dimension; tracing engines
 * (ONNX) know only the static ones — batch and sequence are `null`. Layer code may read static
 * dimensions (e.g. the hidden size) but never branches on dynamic ones.
 */
export interface Tensor {
  readonly dtype: DType;
  readonly shape: readonly (number | null)[];
}

export type GeluApproximation = 'none' | 'tanh';

/**
 * `outIn` is nn.Linear's [out, in] weight (y = x·Wᵀ + b); `inOut` is GPT-2 Conv1D's [in, out] (y = x·W + b).
 * Checkpoints keep whichever layout they were saved in; the kernel handles it.
 */
export type WeightLayout = 'outIn' | 'inOut';

/**
 * One AdamW step's values for the `adamw` kernel. The betas and eps are fixed for a run (constants); the
 * rest change every step, so they are float32 engine scalars (program inputs) rather than constants.
 */
export interface AdamWStep {
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Multiplies the gradient first (global-norm clipping, accumulation averaging). */
  readonly gradScale: Tensor;
  /** 1 − lr·weight_decay; absent for a group without weight decay (the parameter is not multiplied). */
  readonly decay?: Tensor;
  /** lr / (1 − β1^t). */
  readonly stepSize: Tensor;
  /** √(1 − β2^t). */
  readonly biasCorrection2Sqrt: Tensor;
}

/** A parameter and its AdamW moments after one step. */
export interface AdamWResult {
  readonly param: Tensor;
  readonly expAvg: Tensor;
  readonly expAvgSq: Tensor;
}

export interface AttentionOptions {
  /** Mask future keys. With a KV cache the mask is offset so query i sees keys ≤ i + (Tk − Tq). */
  readonly causal: boolean;
  /** Additive mask broadcastable to [B, heads, Tq, Tk] (0 = attend, large negative = masked). */
  readonly mask?: Tensor;
  /** Multiplier on q·kᵀ; 1/√headDim unless a model says otherwise. */
  readonly scale: number;
}

/**
 * The backend contract: the op vocabulary Transformer layers are written in. A backend implements
 * the required ops; the optional fused ones (`linear`, `layerNorm`, `gelu`, `attention`) have
 * decompositions in core (see `ops.ts`) that are used when a backend does not provide its own kernel.
 *
 * Semantics follow NumPy/ONNX: elementwise ops broadcast, negative axes count from the end.
 * Integer tensors are `int32` at this interface (a backend may store them wider).
 */
export interface Kernels {
  // ── data ────────────────────────────────────────────────────────────────
  /** A model parameter. Engines keep their own copy (uploaded once, reused across calls). */
  param(p: Parameter): Tensor;
  /** A constant baked into the computation (scalars, small tables). */
  constant(value: HostTensor): Tensor;
  cast(x: Tensor, dtype: DType): Tensor;

  // ── shape ───────────────────────────────────────────────────────────────
  /** ONNX Reshape semantics: 0 copies the input's dimension at that index, −1 is inferred. */
  reshape(x: Tensor, shape: readonly number[]): Tensor;
  transpose(x: Tensor, perm: readonly number[]): Tensor;
  /** x[start:end] along `axis`, Python semantics (negative counts from the end, `end` omitted = to the end). */
  slice(x: Tensor, axis: number, start: number, end?: number): Tensor;
  concat(xs: readonly Tensor[], axis: number): Tensor;

  // ── elementwise ─────────────────────────────────────────────────────────
  add(a: Tensor, b: Tensor): Tensor;
  sub(a: Tensor, b: Tensor): Tensor;
  mul(a: Tensor, b: Tensor): Tensor;
  div(a: Tensor, b: Tensor): Tensor;
  neg(x: Tensor): Tensor;
  exp(x: Tensor): Tensor;
  log(x: Tensor): Tensor;
  sqrt(x: Tensor): Tensor;
  tanh(x: Tensor): Tensor;
  erf(x: Tensor): Tensor;
  /** 1 where a ≠ b, else 0, as float32 (masks are float). */
  notEqual(a: Tensor, b: Tensor): Tensor;

  // ── linear algebra, reductions ──────────────────────────────────────────
  /** Batched matmul over the last two axes; leading axes broadcast. */
  matmul(a: Tensor, b: Tensor, transposeA?: boolean, transposeB?: boolean): Tensor;
  sum(x: Tensor, axes: readonly number[], keepDims?: boolean): Tensor;
  mean(x: Tensor, axes: readonly number[], keepDims?: boolean): Tensor;
  max(x: Tensor, axes: readonly number[], keepDims?: boolean): Tensor;
  /** Index of the largest value along `axis` (first on ties), int32, axis removed. */
  argmax(x: Tensor, axis: number): Tensor;
  /** Softmax along the last axis. */
  softmax(x: Tensor): Tensor;
  /** Log-softmax along the last axis. */
  logSoftmax(x: Tensor): Tensor;

  // ── indexing ────────────────────────────────────────────────────────────
  /** Rows of `table` [N, ...] at int32 `ids` [...]: result [...ids.shape, ...table.shape[1:]]. */
  gather(table: Tensor, ids: Tensor): Tensor;
  /** x[..., idx[...]] for x [..., N] and int32 idx [...]: result has idx's shape. */
  takeAlongLastAxis(x: Tensor, idx: Tensor): Tensor;
  /** int32 [n] = offset, offset+1, …, where n is `like`'s size along `axis`. */
  range(like: Tensor, axis: number, offset?: number): Tensor;
  /**
   * Additive causal mask [Tq, Tk] for scores shaped [..., Tq, Tk]: 0 where key k ≤ q + (Tk − Tq),
   * a large negative number elsewhere.
   */
  causalMask(scores: Tensor): Tensor;

  // ── optional fused kernels (core decomposes them when absent) ──────────
  linear?(x: Tensor, weight: Tensor, bias: Tensor | undefined, layout: WeightLayout): Tensor;
  layerNorm?(x: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor;
  gelu?(x: Tensor, approximate: GeluApproximation): Tensor;
  /** q [B, h, Tq, d], k and v [B, h, Tk, d] → [B, h, Tq, d]. */
  attention?(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor;

  // ── optional training kernels (no decomposition: an engine without them cannot train with dropout) ──
  /**
   * float32 of `like`'s shape: 1/keepProbability where an element is kept (probability keepProbability,
   * independently), 0 elsewhere — inverted dropout's mask. The same seed gives the same mask on one engine.
   */
  randomMask?(like: Tensor, keepProbability: number, seed: number): Tensor;

  // ── optional optimiser kernels (core decomposes them when absent) ──────
  /**
   * One AdamW step of one parameter, elementwise; must equal `Ops.adamw`'s decomposition (each float32
   * operation in its order), which an engine without the kernel runs as ~14 separate kernels.
   */
  adamw?(param: Tensor, grad: Tensor, expAvg: Tensor, expAvgSq: Tensor, step: AdamWStep): AdamWResult;
  /**
   * Σ x² over every element of every tensor (float32 scalar), accumulated at least as accurately as
   * `Ops.sumOfSquares`' decomposition: a global gradient norm's square in one kernel instead of ~3 per tensor.
   */
  sumOfSquares?(xs: readonly Tensor[]): Tensor;
}
