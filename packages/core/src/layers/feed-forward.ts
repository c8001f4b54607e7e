import type { GeluApproximation, Tensor, WeightLayout } from '../kernels.js';
import { Module } from '../module.js';
import type { Ops } from '../ops.js';
import { Linear } from './linear.js';

export interface FeedForwardConfig {
  readonly hiddenSize: number;
  readonly intermediateSize: number;
  readonly activation: GeluApproximation;
  readonly layout: WeightLayout;
  readonly names: { readonly up: string; readonly down: string };
}

/** Position-wise feed-forward: down(gelu(up(x))). */
export class FeedForward extends Module {
  private readonly up: Linear;
  private readonly down: Linear;

  constructor(readonly config: FeedForwardConfig) {
    super();
    const { hiddenSize, intermediateSize, layout, names } = config;
    this.up = this.child(names.up, new Linear(hiddenSize, intermediateSize, { layout }));
    this.down = this.child(names.down, new Linear(intermediateSize, hiddenSize, { layout }));
  }

  forward(ops: Ops, x: Tensor): Tensor {
    return this.down.forward(ops, ops.gelu(this.up.forward(ops, x), this.config.activation));
  }
}
