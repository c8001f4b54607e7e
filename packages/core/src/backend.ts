import type { HostTensor } from './host.js';
import type { Tensor } from './kernels.js';
import type { Parameter } from './module.js';
import type { Ops } from './ops.js';

/**
 * A computation over named inputs, written once in core ops. Eager backends call `build` on real
 * tensors; graph backends trace it once per (owner, key) into a compiled graph and replay that.
 * Batch and sequence sizes may change between calls with the same key; anything else that changes
 * the graph (which inputs are present, which outputs are wanted) must be part of `key`.
 */
export interface Program<I extends string = string, O extends string = string> {
  /** The model the program belongs to; graph backends cache compiled sessions per owner. */
  readonly owner: object;
  readonly key: string;
  build(ops: Ops, inputs: Record<I, Tensor>): Record<O, Tensor>;
}

/**
 * An execution engine. Models hold one and never look at which: swapping the backend swaps how the
 * same program runs, not what it computes.
 */
export interface Backend {
  /** e.g. `tfjs-cpu`, `tfjs-wasm`, `ort-web-wasm`, `ort-node`. */
  readonly name: string;
  run<I extends string, O extends string>(
    program: Program<I, O>,
    inputs: Record<I, HostTensor>,
  ): Promise<Record<O, HostTensor>>;
  /** Frees the engine's copies of these parameters and anything compiled for `owner`. */
  release(owner: object, params: Iterable<Parameter>): void;
  dispose(): Promise<void>;
}
