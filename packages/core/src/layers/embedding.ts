import type { Tensor } from '../kernels.js';
import { Module, type Parameter } from '../module.js';
import type { Ops } from '../ops.js';

/** A lookup table [num, dim]. Parameter: `weight`. */
export class Embedding extends Module {
  readonly weight: Parameter;

  constructor(readonly num: number, readonly dim: number) {
    super();
    this.weight = this.parameter('weight', [num, dim]);
  }

  /** int32 ids [...] → [..., dim]. */
  forward(ops: Ops, ids: Tensor): Tensor {
    return ops.gather(ops.param(this.weight), ids);
  }
}
