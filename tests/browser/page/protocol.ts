/** What Node and the page exchange; imported by both sides (so: no side effects here). */
import type { ReferenceHyperparameters } from '../../training-setup.js';

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

export type ModelClass = 'GPT2LMHeadModel' | 'BertForPreTraining' | 'BertLMHeadModel';

/** One checkpoint folder of testdata/: every reference case as `forward` inputs, and the greedy generations. */
export interface ModelJob {
  readonly modelClass: ModelClass;
  readonly fixture: string;
  /** Passed to `model.forward` as they are (ids as nested arrays, `outputHiddenStates`, labels). */
  readonly forwards: readonly Record<string, unknown>[];
  readonly generations: readonly { readonly prompt: number[]; readonly maxNewTokens: number; readonly useCache: boolean }[];
}

export type PipelineTask = 'fill-mask' | 'text-classification';

/**
 * One pipeline call over a testdata checkpoint. With `modelClass` and `vocab` the page loads that class and
 * tokenizes with the WordPiece vocabulary (the bert-tiny-shaped fixtures ship without a tokenizer);
 * without them pipeline() loads both from the folder's URL. The page returns the answer as it is.
 */
export interface PipelineJob {
  readonly name: string;
  readonly task: PipelineTask;
  readonly fixture: string;
  readonly modelClass?: 'BertForMaskedLM' | 'BertForSequenceClassification';
  readonly vocab?: string;
  readonly inputs: readonly unknown[];
  readonly options: Readonly<Record<string, unknown>>;
}

/** A float32 tensor on the wire: its bytes in base64, exact and ~4× smaller than JSON numbers. */
export interface WireTensor {
  readonly shape: number[];
  readonly base64: string;
}

export interface ForwardOutputs {
  /** NaN where the model has no loss target (PyTorch's mean over nothing). */
  readonly loss: number | null;
  /** `logits`, or BertForPreTraining's `predictionLogits`. */
  readonly logits: WireTensor;
  readonly lastHiddenState: WireTensor;
  readonly hiddenStates?: WireTensor[];
  /** With `outputAttentions`: each layer's attention probabilities. */
  readonly attentions?: WireTensor[];
  /** BertForPreTraining's `seqRelationshipLogits`. */
  readonly nspLogits?: WireTensor;
}

/** A case that threw: its error with the cause chain. */
export interface Failed {
  readonly error: string;
}

export interface ModelOutputs {
  readonly forwards: (ForwardOutputs | Failed)[];
  /** The new tokens of each generation. */
  readonly generated: (number[] | Failed)[];
}

export interface PageOutputs {
  /** The backend's own name, to prove the engine is the one asked for. */
  readonly backend: string;
  /** ops.gelu on GELU_PROBE_X in both forms: pins a model-level GELU difference on the kernel. */
  readonly gelu: { tanh: number[]; erf: number[] };
  /** In the order of the jobs. */
  readonly models: ModelOutputs[];
  /** In the order of the pipeline jobs: each answer, or the error it threw. */
  readonly pipelines: (unknown | Failed)[];
  /** Milliseconds per step: backend creation, the probe, then each fixture. */
  readonly ms: Record<string, number>;
}

/**
 * A training run over a testdata/training checkpoint: `Trainer` with AdamW, the reference's
 * hyperparameters and batches (already in attn.js's input names), one `trainStep` per batch.
 */
export interface TrainJob {
  readonly name: string;
  readonly modelClass: 'GPT2LMHeadModel' | 'BertForPreTraining';
  readonly fixture: string;
  /** Weight decay on every parameter (`all_decay`) or on tensors of rank ≥ 2 only (`decay_groups`). */
  readonly variant: 'all_decay' | 'decay_groups';
  readonly hyperparameters: ReferenceHyperparameters;
  readonly batches: readonly Record<string, unknown>[];
}

export interface TrainOutputs {
  readonly steps: { step: number; loss: number; gradNorm: number; learningRate: number; clipped: boolean }[];
  /** The weights after the last step, by Hugging Face name. */
  readonly weights: Record<string, WireTensor>;
  /** Calls of backend-tfjs's fused AdamW kernel (0 where the engine runs core's decomposition). */
  readonly fusedUpdates: number;
}
