/**
 * The program every task head runs, whatever the backbone: the backbone's hidden states, the head on
 * the last of them, and all of them as `hidden_states.{i}` when asked (HF's `output_hidden_states`).
 */
import type { Backend, BoundProgram } from './backend.js';
import type { HostTensor } from './host.js';
import type { Tensor } from './kernels.js';
import type { Ops } from './ops.js';

/** What a classifier head returns (HF's SequenceClassifierOutput, TokenClassifierOutput and kin). */
export interface ClassifierOutput {
  readonly logits: HostTensor<'float32'>;
  /** Present when labels are given. */
  readonly loss?: number;
  /** With `outputHiddenStates`: the embeddings output and every layer's output. */
  readonly hiddenStates?: HostTensor<'float32'>[];
}

export interface HeadProgramSpec {
  readonly owner: object;
  readonly feeds: Record<string, HostTensor>;
  readonly allStates: boolean;
  /** Names the head and its loss in the program key (graph engines compile one session per key). */
  readonly tag: string;
  /** Inputs → hidden states, the embeddings output first and the backbone's last output last. */
  readonly backbone: (ops: Ops, x: Record<string, Tensor>) => Tensor[];
  readonly head: (ops: Ops, last: Tensor, x: Record<string, Tensor>) => Record<string, Tensor>;
}

export function headProgram(spec: HeadProgramSpec): BoundProgram {
  const build = (ops: Ops, x: Record<string, Tensor>): Record<string, Tensor> => {
    const states = spec.backbone(ops, x);
    const outputs = spec.head(ops, states.at(-1)!, x);
    if (spec.allStates) states.forEach((s, i) => (outputs[`hidden_states.${i}`] = s));
    return outputs;
  };
  const key = `forward:${spec.tag}:${Object.keys(spec.feeds).sort().join(',')}:${spec.allStates ? 'states' : 'last'}`;
  return { program: { owner: spec.owner, key, build }, inputs: spec.feeds };
}

/** Runs a head program and collects `logits`, `loss` and `numStates` hidden states (when it output them). */
export async function runClassifier(backend: Backend, bound: BoundProgram, numStates: number): Promise<ClassifierOutput> {
  const out = await backend.run(bound.program, bound.inputs);
  const hasStates = out['hidden_states.0'] !== undefined;
  return {
    logits: out.logits as HostTensor<'float32'>,
    loss: out.loss?.data[0],
    hiddenStates: hasStates ? Array.from({ length: numStates }, (_, i) => out[`hidden_states.${i}`] as HostTensor<'float32'>) : undefined,
  };
}
