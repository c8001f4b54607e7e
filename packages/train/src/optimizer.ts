import { InputError, type Ops, type Parameter, type Tensor } from '@attnjs/core';
import { type ParameterGroup, flattenGroups } from './parameter-groups.js';

/**
 * An optimiser as the trainer runs it: per-parameter state slots (moments) in the engine, and an update
 * written in core ops that reads gradients, parameters and moments and returns new parameters and moments.
 * The trainer turns `update` into one program whose parameter outputs replace the engine's copies.
 */
export interface Optimizer {
  /** e.g. `adamw`; saved in checkpoints, checked on resume. */
  readonly name: string;
  readonly groups: readonly ParameterGroup[];
  /** Hyperparameters as saved in trainer_state.json. */
  readonly hyperparameters: Readonly<Record<string, number | readonly number[]>>;
  /** Names of the state tensors each parameter has, e.g. `exp_avg`, `exp_avg_sq` (PyTorch's names). */
  readonly moments: readonly string[];
  /** Host scalars the update reads at optimiser step `step` (1-based) with learning rate `lr`. */
  scalars(step: number, lr: number): Record<string, number>;
  /**
   * One parameter's update: the gradient is `grad`·`gradScale` (clipping, accumulation). Returns the new
   * value and the new moments, in `moments`' order.
   */
  update(ops: Ops, x: UpdateInputs, group: number): { value: Tensor; moments: Tensor[] };
}

export interface UpdateInputs {
  readonly param: Tensor;
  readonly grad: Tensor;
  /** Scales `grad` before the update (global-norm clipping, accumulation averaging): a float32 scalar. */
  readonly gradScale: Tensor;
  readonly moments: readonly Tensor[];
  /** The step's host scalars (see `Optimizer.scalars`), as float32 engine scalars. */
  readonly scalars: Readonly<Record<string, Tensor>>;
}

export interface AdamWOptions {
  /** Groups (see `decayGroups`); default: every parameter in one group with `weightDecay`. */
  readonly groups: readonly ParameterGroup[];
  readonly betas?: readonly [number, number];
  readonly eps?: number;
}

/**
 * AdamW as torch.optim.AdamW (amsgrad off) computes it, per element, g the clipped gradient:
 * θ ← θ·(1 − lr·wd); m ← β1·m + (1 − β1)·g; v ← β2·v + (1 − β2)·g²;
 * θ ← θ − lr/(1 − β1^t) · m / (√v / √(1 − β2^t) + eps): core's `Ops.adamw`, one fused kernel where the
 * engine has it. Scalars are computed on the host in float64, as PyTorch does with Python floats.
 */
export class AdamW implements Optimizer {
  readonly name = 'adamw';
  readonly moments = ['exp_avg', 'exp_avg_sq'] as const;
  readonly groups: readonly ParameterGroup[];
  private readonly betas: readonly [number, number];
  private readonly eps: number;

  constructor(options: AdamWOptions) {
    this.groups = options.groups;
    flattenGroups(this.groups);
    this.betas = options.betas ?? [0.9, 0.999];
    this.eps = options.eps ?? 1e-8;
    if (this.betas.length !== 2 || this.betas.some((b) => !(b >= 0 && b < 1))) {
      throw new InputError(`AdamW betas must be two numbers in [0, 1), got [${this.betas.join(', ')}]`);
    }
    if (!(this.eps > 0)) throw new InputError(`AdamW eps must be > 0, got ${this.eps}`);
  }

  get hyperparameters(): Record<string, number | readonly number[]> {
    return { betas: this.betas, eps: this.eps, weight_decay: this.groups.map((g) => g.weightDecay) };
  }

  scalars(step: number, lr: number): Record<string, number> {
    const [beta1, beta2] = this.betas;
    const out: Record<string, number> = { bias_correction2_sqrt: Math.sqrt(1 - beta2 ** step) };
    this.groups.forEach((g, i) => {
      out[`decay.${i}`] = 1 - lr * g.weightDecay;
      out[`step_size.${i}`] = lr / (1 - beta1 ** step);
    });
    return out;
  }

  update(ops: Ops, x: UpdateInputs, group: number): { value: Tensor; moments: Tensor[] } {
    const [beta1, beta2] = this.betas;
    const { scalars } = x;
    const [expAvg, expAvgSq] = x.moments as [Tensor, Tensor];
    const next = ops.adamw(x.param, x.grad, expAvg, expAvgSq, {
      beta1,
      beta2,
      eps: this.eps,
      gradScale: x.gradScale,
      // A group without decay skips the multiply by 1.
      decay: this.groups[group]!.weightDecay === 0 ? undefined : scalars[`decay.${group}`],
      stepSize: scalars[`step_size.${group}`]!,
      biasCorrection2Sqrt: scalars.bias_correction2_sqrt!,
    });
    return { value: next.param, moments: [next.expAvg, next.expAvgSq] };
  }
}

export interface SGDOptions {
  readonly groups: readonly ParameterGroup[];
  /** torch.optim.SGD momentum (dampening 0, not Nesterov); default 0. */
  readonly momentum?: number;
}

/** SGD as torch.optim.SGD: g ← g + wd·θ (L2, coupled); buf ← μ·buf + g; θ ← θ − lr·buf. */
export class SGD implements Optimizer {
  readonly name = 'sgd';
  readonly moments: readonly string[];
  readonly groups: readonly ParameterGroup[];
  private readonly momentum: number;

  constructor(options: SGDOptions) {
    this.groups = options.groups;
    flattenGroups(this.groups);
    this.momentum = options.momentum ?? 0;
    if (!(this.momentum >= 0 && this.momentum < 1)) throw new InputError(`SGD momentum must be in [0, 1), got ${this.momentum}`);
    this.moments = this.momentum === 0 ? [] : ['momentum_buffer'];
  }

  get hyperparameters(): Record<string, number | readonly number[]> {
    return { momentum: this.momentum, weight_decay: this.groups.map((g) => g.weightDecay) };
  }

  scalars(_step: number, lr: number): Record<string, number> {
    return { lr };
  }

  update(ops: Ops, x: UpdateInputs, group: number): { value: Tensor; moments: Tensor[] } {
    const wd = this.groups[group]!.weightDecay;
    const scaled = ops.mul(x.grad, x.gradScale);
    const grad = wd === 0 ? scaled : ops.add(scaled, ops.mul(x.param, ops.scalar(wd)));
    // PyTorch's first step sets buf = g; with buf starting at 0, μ·0 + g is the same.
    const buffer = this.momentum === 0 ? grad : ops.add(ops.mul(x.moments[0]!, ops.scalar(this.momentum)), grad);
    return { value: ops.sub(x.param, ops.mul(buffer, x.scalars.lr!)), moments: [buffer] };
  }
}

/** Every parameter of the optimiser with its group index, in group order. */
export function optimizerParameters(optimizer: Optimizer): { param: Parameter; group: number }[] {
  return optimizer.groups.flatMap((g, group) => g.params.map((param) => ({ param, group })));
}
