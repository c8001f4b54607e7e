import type { GeluApproximation, Tensor, WeightLayout } from '../kernels.js';
import { Module } from '../module.js';
import type { Ops } from '../ops.js';
import { type AttentionInput, type AttentionNames, type KeyValue, MultiHeadAttention } from './attention.js';
import { dropout } from './dropout.js';
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
  /** Dropout on each sublayer's output before its residual add, in training (`resid_pdrop`, `hidden_dropout_prob`); default 0. */
  readonly hiddenDropout?: number;
  /** Dropout on the attention probabilities, in training; default 0. */
  readonly attentionDropout?: number;
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
    const { hiddenSize, numHeads, intermediateSize, activation, layerNormEps, causal, layout, names, attentionDropout } = config;
    this.attention = this.child('', new MultiHeadAttention({ hiddenSize, numHeads, causal, layout, names: names.attention, attentionDropout }));
    this.attentionNorm = this.child(names.attentionNorm, new LayerNorm(hiddenSize, layerNormEps));
    this.feedForward = this.child('', new FeedForward({ hiddenSize, intermediateSize, activation, layout, names: names.feedForward }));
    this.feedForwardNorm = this.child(names.feedForwardNorm, new LayerNorm(hiddenSize, layerNormEps));
  }

  /** x [B, T, d] → hidden [B, T, d], the attention's keys/values and (with `outputAttentions`) its probabilities. */
  forward(ops: Ops, x: Tensor, input: AttentionInput = {}): BlockOutput {
    // Dropout sits on each sublayer's output, before the residual add (GPT-2's resid_dropout, BERT's
    // SelfOutput / Output dropout); the identity in inference.
    const drop = (h: Tensor) => dropout(ops, h, this.config.hiddenDropout ?? 0, input.training);
    const attend = (h: Tensor) => {
      const { output, present, probabilities } = this.attention.forward(ops, h, input);
      return { output: drop(output), present, probabilities };
    };
    if (this.config.norm === 'pre') {
      const { output, present, probabilities } = attend(this.attentionNorm.forward(ops, x));
      x = ops.add(x, output);
      x = ops.add(x, drop(this.feedForward.forward(ops, this.feedForwardNorm.forward(ops, x))));
      return { hidden: x, present, attention: probabilities };
    }
    const { output, present, probabilities } = attend(x);
    x = this.attentionNorm.forward(ops, ops.add(x, output));
    x = this.feedForwardNorm.forward(ops, ops.add(x, drop(this.feedForward.forward(ops, x))));
    return { hidden: x, present, attention: probabilities };
  }
}
