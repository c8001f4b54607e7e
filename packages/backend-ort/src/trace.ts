/**
 * Tracing: run `program.build` once on symbolic tensors and serialise the graph it appended.
 */
import { type DType, Ops, type Parameter, type Program, UnsupportedError } from '@attnjs/core';
import { GraphBuilder, type SymbolicTensor } from './graph/builder.js';
import { finishGraph, type GraphOutputSpec } from './graph/finish.js';
import { tracingKernels } from './kernels/index.js';
import { encodeModel, type OnnxExternalData } from './proto/onnx.js';

/**
 * ai.onnx opset 20 (ONNX 1.15, IR version 9): the first with Gelu; LayerNormalization (17), the
 * attribute-form Shape start/end (15), Trilu (14) and axes-as-input reductions (18) are all in it.
 * Verified on onnxruntime-web (wasm) and onnxruntime-node 1.30.
 */
export const OPSET = 20;
export const IR_VERSION = 9;

/** One graph input: its dtype and dims (a number is fixed; a string or null is dynamic, a string names it). */
export interface InputSpec {
  readonly dtype: DType;
  readonly shape: readonly (number | string | null)[];
}

export type InputSignature = Readonly<Record<string, InputSpec>>;

export interface TraceOptions {
  /** Names initializers after checkpoint keys, e.g. `model.namedParameters()`. */
  readonly parameterNames?: ReadonlyMap<string, Parameter>;
  /** Dims of outputs, where a dynamic dim should carry a name (e.g. `batch_size`). */
  readonly outputDims?: Readonly<Record<string, readonly (number | string)[]>>;
  readonly graphName?: string;
  /**
   * Store [out, in] weights transposed instead of behind a Transpose node (default true). A session
   * whose optimiser folds constants can skip this: ONNX Runtime transposes them faster when it loads.
   */
  readonly preTranspose?: boolean;
  readonly metadata?: Readonly<Record<string, string>>;
  /**
   * Emit tanh-approximated GELU as elementary ops instead of `Gelu(approximate="tanh")`: onnxruntime-web
   * 1.30's default WebGPU kernels ignore the attribute and compute the erf form.
   */
  readonly decomposeTanhGelu?: boolean;
  /**
   * Trace linear, layerNorm and gelu with this backend's fused kernels (LayerNormalization and Gelu nodes;
   * default true). With false they are traced as core's decompositions into elementary ops.
   */
  readonly fusedKernels?: boolean;
}

/** The backend's own trace options: exports always embed their weights. */
export interface SessionTraceOptions extends TraceOptions {
  /**
   * Where ONNX Runtime can read a parameter's bytes from a file (external data), or undefined to embed
   * them in the model (the default for every parameter).
   */
  readonly externalWeights?: (p: Parameter) => OnnxExternalData | undefined;
}

export interface TracedProgram {
  /** A serialised ModelProto. */
  readonly model: Uint8Array;
  /** The parameters whose initializers are external data (`TraceOptions.externalWeights`). */
  readonly externalParams: ReadonlySet<Parameter>;
  /** Every parameter the graph was traced with. */
  readonly parameters: readonly Parameter[];
  readonly inputs: readonly { readonly name: string; readonly dtype: DType }[];
  readonly outputs: readonly GraphOutputSpec[];
}

/** The `fusedKernels` option, checked: true unless given as false. */
export function fusedKernelsOption(value: unknown): boolean {
  if (value === undefined) return true;
  if (typeof value !== 'boolean') throw new UnsupportedError(`fusedKernels must be true or false, got ${String(value)}`);
  return value;
}

/** Traces `program` into a standalone ONNX model. Errors thrown by `program.build` propagate unchanged. */
export function traceProgram(program: Program, signature: InputSignature, options: SessionTraceOptions = {}): TracedProgram {
  const names = new Map<Parameter, string>();
  for (const [key, p] of options.parameterNames ?? []) if (!names.has(p)) names.set(p, key);
  const g = new GraphBuilder(names, options.externalWeights);
  const inputs: Record<string, SymbolicTensor> = {};
  for (const [name, spec] of Object.entries(signature)) {
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new UnsupportedError(`input "${name}": dtype ${String(spec.dtype)} is not float32 or int32`);
    inputs[name] = g.input(
      name,
      spec.dtype,
      spec.shape.map((d, i) => d ?? `${name}_dim${i}`),
    );
  }
  const kernels = tracingKernels(g, { decomposeTanhGelu: options.decomposeTanhGelu, fusedKernels: fusedKernelsOption(options.fusedKernels) });
  const outputs = program.build(new Ops(kernels), inputs);
  const finished = finishGraph(g, outputs, options.graphName ?? program.key, options.outputDims, options.preTranspose);
  const model = encodeModel({
    irVersion: IR_VERSION,
    opsets: { '': OPSET },
    producerName: 'attn.js',
    producerVersion: '0.0.0',
    graph: finished.graph,
    metadata: options.metadata,
  });
  return {
    model,
    inputs: Object.entries(signature).map(([name, spec]) => ({ name, dtype: spec.dtype })),
    outputs: finished.outputs,
    externalParams: g.externalParams,
    parameters: g.parameters,
  };
}
