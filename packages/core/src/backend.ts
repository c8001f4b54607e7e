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
  /**
   * Inputs read from the run's `EngineState` instead of the host (e.g. `past_key_values.0.key`). They
   * are part of `build`'s inputs like any other; the run must pass a state that holds them.
   */
  readonly stateInputs?: readonly I[];
  /**
   * Outputs that stay in the engine: output name → the state slot it replaces (e.g. `present.0.key` →
   * `past_key_values.0.key`). They are not returned to the host.
   */
  readonly stateOutputs?: Readonly<Partial<Record<O, string>>>;
  /**
   * Outputs appended to a slot along an axis instead of replacing it (a growing KV cache): output name →
   * `{ slot, axis }`. Only the new part leaves the program, so neither the program nor the host ever copies
   * what the slot already holds. An engine may keep spare capacity: a program that reads an appended slot
   * may then see it padded at the end of `axis` with zeros (ONNX Runtime does: its inputs must be
   * contiguous). Append only where zero entries are inert — a mask whose 0 means "ignore", and the rows
   * such a mask hides.
   */
  readonly stateAppends?: Readonly<Partial<Record<O, StateAppend>>>;
  /**
   * Training: differentiate the float32 scalar output `loss` with respect to parameters and leave the
   * gradients in state slots (they never cross to the host). Only engines with autodiff run it (tfjs);
   * others throw `UnsupportedError`.
   */
  readonly gradients?: GradientSpec;
  /**
   * Outputs that replace parameters' engine copies (an optimiser step): output name → the parameter. The
   * host `Parameter.value` is not touched; read parameters back with a program that outputs `ops.param(p)`.
   * Engines that bake parameters into compiled graphs (ONNX Runtime) throw `UnsupportedError`.
   */
  readonly parameterOutputs?: Readonly<Partial<Record<O, Parameter>>>;
}

/** Where an appended output goes (see `Program.stateAppends`). */
export interface StateAppend {
  readonly slot: string;
  /** The axis it grows along (non-negative). */
  readonly axis: number;
}

/** Where a training run puts d loss / d parameter (see `Program.gradients`). */
export interface GradientSpec {
  /** The parameters to differentiate with respect to (a tied weight once: it gets the summed gradient). */
  readonly wrt: readonly Parameter[];
  /** The state slot each gradient is written to, in `wrt`'s order. */
  readonly into: readonly string[];
  /** Add to what the slots hold instead of replacing it (gradient accumulation); an empty slot counts as 0. */
  readonly accumulate?: boolean;
}

/**
 * Tensors that live in the engine across runs: a KV cache between decoding steps, gradients and optimiser
 * moments between training steps. Each slot is an engine tensor (a tfjs tensor, an ONNX Runtime tensor fed
 * back to its session, a GPU buffer); runs read slots through `Program.stateInputs`, replace them through
 * `Program.stateOutputs` and grow them through `Program.stateAppends`, so nothing crosses to the host
 * unless `read` asks for it.
 * A state belongs to the backend that made it and must be disposed (`Backend.memory()` counts live ones).
 */
export interface EngineState {
  /** The slots held, in insertion order. */
  readonly names: readonly string[];
  readonly disposed: boolean;
  /** A slot's dtype and dims (an appended slot's logical length, without spare capacity), or undefined when the slot is empty. */
  spec(name: string): { readonly dtype: DType; readonly shape: readonly number[] } | undefined;
  /** Copies a slot to the host (checkpoints, tests), as the engine holds it (spare capacity included); the slot stays in the engine. */
  read(name: string): Promise<HostTensor>;
  /** Uploads a host tensor into a slot, freeing what it held. */
  write(name: string, value: HostTensor): void;
  /** Frees one slot. */
  delete(name: string): void;
  /** Frees every slot. Idempotent; the state refuses use afterwards. */
  dispose(): void;
}

/** Options of one `Backend.run`. */
export interface RunOptions {
  /** The state `program.stateInputs` are read from and `program.stateOutputs` written to. */
  readonly state?: EngineState;
  /**
   * The outputs to return to the host; default: every output not kept in the state. Others are not
   * downloaded (a graph engine may still compute them: one graph serves several uses).
   */
  readonly outputs?: readonly string[];
}

/** What an engine holds right now, for leak accounting (tests compare these before and after). */
export interface EngineMemory {
  /** Live `EngineState`s made by this backend and not yet disposed. */
  readonly states: number;
  /** Tensors held in those states. */
  readonly stateTensors: number;
  /** Bytes held in those states. */
  readonly stateBytes: number;
  /** Engine tensors alive in total where the engine can count them (tfjs); undefined otherwise. */
  readonly tensors?: number;
  /** Compiled sessions alive (graph engines); undefined for eager engines. */
  readonly sessions?: number;
}

/**
 * An execution engine. Models hold one and never look at which: swapping the backend swaps how the
 * same program runs, not what it computes.
 */
export interface Backend {
  /** e.g. `tfjs-cpu`, `tfjs-wasm`, `ort-web-wasm`, `ort-node`. */
  readonly name: string;
  /**
   * Runs `program` on host `inputs` (and state slots, see `Program.stateInputs`); returns every output
   * that is not kept in the state, downloaded to the host.
   */
  run<I extends string, O extends string>(
    program: Program<I, O>,
    inputs: Partial<Record<I, HostTensor>>,
    options?: RunOptions,
  ): Promise<Record<O, HostTensor>>;
  /** An empty engine-side state for `run` to read and write. */
  createState(): EngineState;
  memory(): EngineMemory;
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
