/** What Node and the page exchange; imported by both sides (so: no side effects here). */

export const ENGINE_NAMES = [
  'tfjs-cpu',
  'tfjs-wasm',
  'tfjs-webgl',
  'tfjs-webgpu',
  'ort-web-wasm',
  'ort-web-webgpu', // default import of onnxruntime-web: the JSEP WebGPU EP
  'ort-web-webgpu-native', // `onnxruntime-web/webgpu`: ONNX Runtime's native (C++) WebGPU EP
] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];

/** −4 … 4 in steps of 0.25: the erf and tanh forms of GELU differ by up to ~5e-4 here. */
export const GELU_PROBE_X: readonly number[] = Array.from({ length: 33 }, (_, i) => -4 + i / 4);

/** Case 0 and generation 0 of the references, as Node reads them from reference.json. */
export interface PageInputs {
  readonly gpt: {
    readonly inputIds: number[][];
    readonly attentionMask: number[][];
    readonly labels: number[][];
    readonly lengths: number[];
    readonly prompt: number[];
    readonly maxNewTokens: number;
  };
  readonly bert: {
    readonly inputIds: number[][];
    readonly attentionMask: number[][];
    readonly tokenTypeIds: number[][];
    readonly labels: number[][];
    readonly nextSentenceLabel: number[];
    readonly lengths: number[];
  };
}

export interface PageOutputs {
  /** The backend's own name, to prove the engine is the one asked for. */
  readonly backend: string;
  /** ops.gelu on GELU_PROBE_X in both forms: pins a model-level GELU difference on the kernel. */
  readonly gelu: { tanh: number[]; erf: number[] };
  /** Per-position outputs hold the valid positions only, as the references do. */
  readonly gpt: { logits: number[][][]; loss: number; generated: number[] };
  readonly bert: { sequenceOutput: number[][][]; nspLogits: number[][]; loss: number };
  readonly ms: { create: number; gelu: number; gpt: number; generate: number; bert: number };
}
