import type { Tensor, WeightLayout } from '../kernels.js';
import { Module, type Parameter } from '../module.js';
import type { Ops } from '../ops.js';

export interface LinearOptions {
  bias?: boolean;
  /** `outIn` for nn.Linear (BERT), `inOut` for GPT-2's Conv1D. */
  layout?: WeightLayout;
}

/** y = x·W + b, with W stored in the checkpoint's own layout. Parameters: `weight`, `bias`. */
export class Linear extends Module {
  readonly weight: Parameter;
  readonly bias?: Parameter;
  readonly layout: WeightLayout;

  constructor(readonly inFeatures: number, readonly outFeatures: number, options: LinearOptions = {}) {
    super();
    this.layout = options.layout ?? 'outIn';
    const shape = this.layout === 'outIn' ? [outFeatures, inFeatures] : [inFeatures, outFeatures];
    this.weight = this.parameter('weight', shape);
    if (options.bias ?? true) this.bias = this.parameter('bias', [outFeatures]);
  }

  forward(ops: Ops, x: Tensor): Tensor {
    return ops.linear(x, ops.param(this.weight), this.bias && ops.param(this.bias), this.layout);
  }
}
