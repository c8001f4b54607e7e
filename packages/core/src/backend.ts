import type { DType, HostTensor } from './host.js';
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

/** A graph input or output: dtype and dims, where a string names a dynamic dimension (`batch_size`). */
export interface TensorSpec {
  readonly dtype: DType;
  readonly shape: readonly (number | string)[];
}

/**
 * What a model exposes for export as a standalone graph (e.g. `.onnx`), laid out as Hugging Face
 * Optimum exports it: named inputs such as `input_ids` and `attention_mask`, named outputs such as `logits`.
 */
export interface ExportSpec {
  readonly program: Program;
  readonly inputs: Readonly<Record<string, TensorSpec>>;
  /** Dims of each output, naming the dynamic ones. */
  readonly outputs: Readonly<Record<string, readonly (number | string)[]>>;
}

/** A program with the host inputs it runs on: what a model's forward pass is, before it runs. */
export interface BoundProgram<I extends string = string, O extends string = string> {
  readonly program: Program<I, O>;
  readonly inputs: Record<I, HostTensor>;
}
