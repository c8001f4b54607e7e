/**
 * The program every task head runs, whatever the backbone: the backbone's hidden states, the head on
 * the last of them, all of them as `hidden_states.{i}` when asked (HF's `output_hidden_states`), and each
 * layer's attention probabilities as `attentions.{i}` when asked (HF's `output_attentions`).
 */
import type { Backend, BoundProgram } from './backend.js';
import type { HostTensor } from './host.js';
import { checkBoolean } from './inputs.js';
import type { Tensor } from './kernels.js';
import { type ForwardProgramOptions, TrainingMode } from './layers/dropout.js';
import type { Ops } from './ops.js';

/** What a classifier head returns (HF's SequenceClassifierOutput, TokenClassifierOutput and kin). */
export interface ClassifierOutput {
  readonly logits: HostTensor<'float32'>;
  /** Present when labels are given. */
  readonly loss?: number;
  /** With `outputHiddenStates`: the embeddings output and every layer's output. */
  readonly hiddenStates?: HostTensor<'float32'>[];
  /** With `outputAttentions`: every layer's attention probabilities (B, heads, T, T). */
  readonly attentions?: HostTensor<'float32'>[];
}

/** What a backbone computes: its hidden states (the embeddings output first) and, when asked, each layer's attention probabilities. */
export interface BackboneStates {
  readonly states: Tensor[];
  /** One (B, heads, Tq, Tk) per layer with `outputAttentions`, else empty. */
  readonly attentions: Tensor[];
}

/** Which per-layer outputs a forward returns besides its head's (HF's `output_hidden_states`, `output_attentions`). */
export interface LayerOutputFlags {
  readonly allStates: boolean;
  readonly allAttentions: boolean;
}

/** A forward's `outputHiddenStates` and `outputAttentions`, each absent (false) or a boolean (else an `InputError`). */
export function checkLayerOutputFlags(inputs: { readonly outputHiddenStates?: unknown; readonly outputAttentions?: unknown }, where: string): LayerOutputFlags {
  return {
    allStates: checkBoolean(inputs.outputHiddenStates, 'outputHiddenStates', where),
    allAttentions: checkBoolean(inputs.outputAttentions, 'outputAttentions', where),
  };
}

/** The per-layer outputs of a program, named `hidden_states.{i}` and `attentions.{i}`, as the flags ask. */
export function layerOutputs(backbone: BackboneStates, flags: LayerOutputFlags): Record<string, Tensor> {
  const outputs: Record<string, Tensor> = {};
  if (flags.allStates) backbone.states.forEach((s, i) => (outputs[`hidden_states.${i}`] = s));
  if (flags.allAttentions) backbone.attentions.forEach((a, i) => (outputs[`attentions.${i}`] = a));
  return outputs;
}

/** The flags' part of a program key: a graph engine compiles a variant per combination. */
export function layerOutputsKey(flags: LayerOutputFlags): string {
  return `${flags.allStates ? 'states' : 'last'}${flags.allAttentions ? '+attentions' : ''}`;
}

/** The per-layer outputs a run returned, as arrays: `numLayers + 1` hidden states, `numLayers` attentions (when present). */
export function collectLayerOutputs(
  out: Record<string, HostTensor>,
  numLayers: number,
): { hiddenStates?: HostTensor<'float32'>[]; attentions?: HostTensor<'float32'>[] } {
  const collect = (prefix: string, count: number) =>
    out[`${prefix}.0`] === undefined ? undefined : Array.from({ length: count }, (_, i) => out[`${prefix}.${i}`] as HostTensor<'float32'>);
  return { hiddenStates: collect('hidden_states', numLayers + 1), attentions: collect('attentions', numLayers) };
}

export interface HeadProgramSpec extends LayerOutputFlags {
  readonly owner: object;
  readonly feeds: Record<string, HostTensor>;
  /** Names the head and its loss in the program key (graph engines compile one session per key). */
  readonly tag: string;
  /** Inputs → hidden states (the embeddings output first, the backbone's last output last) and attentions when asked. */
  readonly backbone: (ops: Ops, x: Record<string, Tensor>, outputAttentions: boolean, training?: TrainingMode) => BackboneStates;
  readonly head: (ops: Ops, last: Tensor, x: Record<string, Tensor>, training?: TrainingMode) => Record<string, Tensor>;
  /** Training mode (dropout on), from `forwardProgram`'s options. */
  readonly training?: ForwardProgramOptions['training'];
}

export function headProgram(spec: HeadProgramSpec): BoundProgram {
  const build = (ops: Ops, x: Record<string, Tensor>): Record<string, Tensor> => {
    const training = TrainingMode.from(spec);
    const backbone = spec.backbone(ops, x, spec.allAttentions, training);
    return { ...spec.head(ops, backbone.states.at(-1)!, x, training), ...layerOutputs(backbone, spec) };
  };
  const key = `forward:${spec.tag}:${Object.keys(spec.feeds).sort().join(',')}:${layerOutputsKey(spec)}${spec.training ? ':training' : ''}`;
  return { program: { owner: spec.owner, key, build }, inputs: spec.feeds };
}

/** Runs a head program and collects `logits`, `loss`, and the hidden states and attentions of `numLayers` layers (when it output them). */
export async function runClassifier(backend: Backend, bound: BoundProgram, numLayers: number): Promise<ClassifierOutput> {
  const out = await backend.run(bound.program, bound.inputs);
  return { logits: out.logits as HostTensor<'float32'>, loss: out.loss?.data[0], ...collectLayerOutputs(out, numLayers) };
}
