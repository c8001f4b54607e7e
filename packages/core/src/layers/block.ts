import type { GeluApproximation, Tensor, WeightLayout } from '../kernels.js';
import { Module } from '../module.js';
import type { Ops } from '../ops.js';
import { type AttentionInput, type AttentionNames, type KeyValue, MultiHeadAttention } from './attention.js';
import { FeedForward } from './feed-forward.js';
import { LayerNorm } from './norm.js';

/** Where one model's checkpoint keeps each part of a block. Declared once per model. */
export interface BlockNames {
  readonly attention: AttentionNames;
  readonly attentionNorm: string;
  readonly feedForward: { readonly up: string; readonly down: string };
  readonly feedForwardNorm: string;
}

export interface TransformerBlockConfig {
  readonly hiddenSize: number;
  readonly numHeads: number;
  readonly intermediateSize: number;
  readonly activation: GeluApproximation;
  readonly layerNormEps: number;
  /** `pre`: x + f(LN(x)) as in GPT-2; `post`: LN(x + f(x)) as in BERT. */
  readonly norm: 'pre' | 'post';
  readonly causal: boolean;
  readonly layout: WeightLayout;
  readonly names: BlockNames;
}

export interface BlockOutput {
  readonly hidden: Tensor; // (B, T, d)
  readonly present: KeyValue;
  /** With `outputAttentions`: the attention probabilities (B, h, T, Tk). */
  readonly attention?: Tensor;
}

/** Self-attention and feed-forward sublayers, each with a residual connection and a LayerNorm. */
export class TransformerBlock extends Module {
  readonly attention: MultiHeadAttention;
  readonly attentionNorm: LayerNorm;
  readonly feedForward: FeedForward;
  readonly feedForwardNorm: LayerNorm;

  constructor(readonly config: TransformerBlockConfig) {
    super();
    const { hiddenSize, numHeads, intermediateSize, activation, layerNormEps, causal, layout, names } = config;
    this.attention = this.child('', new MultiHeadAttention({ hiddenSize, numHeads, causal, layout, names: names.attention }));
    this.attentionNorm = this.child(names.attentionNorm, new LayerNorm(hiddenSize, layerNormEps));
    this.feedForward = this.child('', new FeedForward({ hiddenSize, intermediateSize, activation, layout, names: names.feedForward }));
    this.feedForwardNorm = this.child(names.feedForwardNorm, new LayerNorm(hiddenSize, layerNormEps));
  }

  /** x [B, T, d] → hidden [B, T, d], the attention's keys/values and (with `outputAttentions`) its probabilities. */
  forward(ops: Ops, x: Tensor, input: AttentionInput = {}): BlockOutput {
    const attend = (h: Tensor) => this.attention.forward(ops, h, input);
    if (this.config.norm === 'pre') {
      const { output, present, probabilities } = attend(this.attentionNorm.forward(ops, x));
      x = ops.add(x, output);
      x = ops.add(x, this.feedForward.forward(ops, this.feedForwardNorm.forward(ops, x)));
      return { hidden: x, present, attention: probabilities };
    }
    const { output, present, probabilities } = attend(x);
    x = this.attentionNorm.forward(ops, ops.add(x, output));
    x = this.feedForwardNorm.forward(ops, ops.add(x, this.feedForward.forward(ops, x)));
    return { hidden: x, present, attention: probabilities };
  }
}
