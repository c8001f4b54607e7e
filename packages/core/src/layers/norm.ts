import type { Tensor } from '../kernels.js';
import { Module, type Parameter } from '../module.js';
import type { Ops } from '../ops.js';

/** LayerNorm over the last axis. Parameters: `weight`, `bias` (older checkpoints say gamma/beta). */
export class LayerNorm extends Module {
  readonly weight: Parameter;
  readonly bias: Parameter;

  constructor(readonly size: number, readonly eps: number) {
    super();
    this.weight = this.parameter('weight', [size], 1);
    this.bias = this.parameter('bias', [size]);
  }

  forward(ops: Ops, x: Tensor): Tensor {
    return ops.layerNorm(x, ops.param(this.weight), ops.param(this.bias), this.eps);
  }
}
