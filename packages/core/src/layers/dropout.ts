import { InputError } from '../errors.js';
import type { Tensor } from '../kernels.js';
import type { Ops } from '../ops.js';

/** What a model's `forwardProgram` takes to build its training-mode variant. */
export interface ForwardProgramOptions {
  /** Training mode: dropout from the config is applied, its masks drawn from `seed`. Absent: inference. */
  readonly training?: { readonly seed: number };
  /**
   * The caller reads only `loss` (the trainer's gradient run), so the program may output `loss` alone and
   * skip work that only other outputs need: BERT's masked-LM heads then score only the labelled positions
   * instead of materialising [tokens, vocab] logits. Models without such a shortcut run their usual program.
   */
  readonly lossOnly?: boolean;
}

/**
 * Training mode for one build of a forward program. Each dropout site gets its own seed — the pass's
 * seed mixed with the site's number in build order — so one pass's masks are independent of each other
 * and the same seed rebuilds the same masks (a resumed run redraws what an uninterrupted one drew).
 */
export class TrainingMode {
  private site = 0;

  constructor(readonly seed: number) {
    if (!Number.isSafeInteger(seed)) throw new InputError(`training seed must be an integer, got ${String(seed)}`);
  }

  /** From `forwardProgram`'s options: a fresh mode per build, or undefined in inference. */
  static from(options: ForwardProgramOptions | undefined): TrainingMode | undefined {
    return options?.training ? new TrainingMode(options.training.seed) : undefined;
  }

  /** x with dropout at `rate` (torch's nn.Dropout in training); no rate (a config built by hand) is none. */
  dropout(ops: Ops, x: Tensor, rate: number | undefined): Tensor {
    if (rate === undefined || rate === 0) return x;
    return ops.dropout(x, rate, mixSeeds(this.seed, this.site++));
  }
}

/** Dropout in training mode, the identity without one (inference). */
export function dropout(ops: Ops, x: Tensor, rate: number | undefined, training: TrainingMode | undefined): Tensor {
  return training ? training.dropout(ops, x, rate) : x;
}

/** A 31-bit seed from two integers (splitmix32's finaliser over their combination). */
export function mixSeeds(a: number, b: number): number {
  let z = (Math.imul(a >>> 0, 0x9e3779b9) + (b >>> 0) + 0x7f4a7c15) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 1;
}
