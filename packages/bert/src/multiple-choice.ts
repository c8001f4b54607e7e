/**
 * BertForMultipleChoice: each example is C candidate sequences [B, C, T] ("[CLS] context [SEP] choice
 * [SEP]"); the encoder sees them flattened to [B·C, T], `classifier` scores each pooled [CLS], and the
 * scores are regrouped to logits (B, C). The graph takes [B, C, T] itself, so the exported model has
 * Optimum's `num_choices` input axis and the number of choices may change between calls.
 */
import {
  type BoundProgram,
  type ClassifierOutput,
  type BackboneStates,
  checkLayerOutputFlags,
  headProgram,
  type ExportSpec,
  HEAD_OPTIONS,
  type HeadPretrainedOptions,
  type HostTensor,
  InputError,
  Linear,
  type Ops,
  type ForwardProgramOptions,
  type TrainingMode,
  dropout,
  type Tensor,
  crossEntropy,
  hostTensor,
} from '@attnjs/core';
import {
  checkInputs,
  toIds,
} from '@attnjs/core/internal';
import { bertFeeds } from './modeling.js';
import { type BertHeadConfig, BertTaskModel, exampleLabelsFeed, loadBertHead } from './task-heads.js';

/** Ids per example and choice: nested [B][C][T] arrays or an int32 [B, C, T] tensor. */
export type ChoiceIdsLike = readonly (readonly (readonly number[])[])[] | HostTensor<'int32'>;

export interface BertMultipleChoiceInputs {
  readonly inputIds: ChoiceIdsLike;
  readonly attentionMask?: ChoiceIdsLike;
  readonly tokenTypeIds?: ChoiceIdsLike;
  /** The right choice per example [B], in 0..C−1 (−100 ignored). */
  readonly labels?: readonly number[] | HostTensor<'int32'>;
  /** Also return the embeddings output and every layer's output, each flat (B·C, T, H). */
  readonly outputHiddenStates?: boolean;
  /** Also return every layer's attention probabilities, each flat (B·C, heads, T, T), as HF returns them. */
  readonly outputAttentions?: boolean;
}

/** [B, C, T] → [B·C, T] on the host, remembering C (rows of the flat tensor are example-major). */
function flattenChoices(value: ChoiceIdsLike, name: string): { flat: HostTensor<'int32'>; choices: number } {
  if (!Array.isArray(value)) {
    const t = value as HostTensor<'int32'>;
    if (t.dtype !== 'int32' || t.shape.length !== 3) {
      throw new InputError(`${name} must be int32 [batch, num_choices, sequence], got ${t.dtype} [${t.shape.join(', ')}]`);
    }
    return { flat: hostTensor(t.data, [t.shape[0]! * t.shape[1]!, t.shape[2]!]), choices: t.shape[1]! };
  }
  const examples = value as readonly (readonly (readonly number[])[])[];
  const choices = examples[0]?.length ?? 0;
  examples.forEach((example, b) => {
    if (!Array.isArray(example) || !example.every(Array.isArray)) throw new InputError(`${name}[${b}] must be an array of choices, each an array of ids`);
    if (example.length !== choices) throw new InputError(`${name}[${b}] has ${example.length} choices, ${name}[0] has ${choices}`);
  });
  if (choices === 0) throw new InputError(`${name} is empty: each example needs at least one choice`);
  return { flat: toIds(examples.flat(), name), choices };
}

/** (B·C, 1) scores → (B, C). B and C are read off the [B, C, T] ids, so graph engines keep both dynamic. */
function groupByExample(ops: Ops, scores: Tensor, inputIds: Tensor): Tensor {
  const example = ops.range(inputIds, 0); // (B)
  const choice = ops.range(inputIds, 1); // (C)
  const numChoices = ops.add(ops.slice(choice, 0, -1), ops.scalar(1, 'int32')); // (1): the last choice index + 1
  const flatIndex = ops.add(ops.mul(ops.reshape(example, [-1, 1]), numChoices), choice); // (B, C): b·C + c
  return ops.reshape(ops.gather(scores, flatIndex), [0, 0]); // (B, C, 1) → (B, C)
}

/** [B, C, T] → [B·C, T] inside the graph: with T dynamic, move it first so Reshape's 0 can copy it. */
function flattenInGraph(ops: Ops, x: Tensor): Tensor {
  const timeFirst = ops.reshape(ops.transpose(x, [2, 0, 1]), [0, -1]); // (T, B·C)
  return ops.transpose(timeFirst, [1, 0]); // (B·C, T)
}

/** `classifier` on each choice's pooled [CLS] → logits (B, C); loss = cross-entropy over the choices. */
export class BertForMultipleChoice extends BertTaskModel {
  static readonly modelName = 'BertForMultipleChoice';
  readonly classifier: Linear;

  constructor(config: BertHeadConfig, options?: HeadPretrainedOptions) {
    super(config, true);
    this.classifier = this.child('classifier', new Linear(config.hiddenSize, 1));
    if (options) this.attach(options.backend);
  }

  static fromPretrained(dir: string | URL, options: HeadPretrainedOptions): Promise<BertForMultipleChoice> {
    return loadBertHead(dir, options, HEAD_OPTIONS, (config) => new BertForMultipleChoice(config, options));
  }

  /** The flat encoder output (B·C, T, H) → logits (B, C), grouped by the [B, C, T] ids. */
  private choiceLogits(ops: Ops, last: Tensor, inputIds: Tensor, training?: TrainingMode): Tensor {
    const pooled = dropout(ops, this.bert.pool(ops, last), this.config.classifierDropout, training); // HF's dropout before the classifier
    const scores = this.classifier.forward(ops, pooled); // (B·C, 1)
    return groupByExample(ops, scores, inputIds);
  }

  /** [B, C, T] ids (+ mask, types) → the encoder's states, each (B·C, T, H) (and attentions, each (B·C, heads, T, T), when asked). */
  private encodeChoices(ops: Ops, x: Record<string, Tensor>, outputAttentions = false, training?: TrainingMode): BackboneStates {
    const flat = (t: Tensor | undefined) => t && flattenInGraph(ops, t);
    const inputs = { inputIds: flat(x.input_ids)!, attentionMask: flat(x.attention_mask), tokenTypeIds: flat(x.token_type_ids) };
    return this.bert.encodeLayers(ops, inputs, outputAttentions, training);
  }

  /** Hidden states and attentions, if asked for, are flat as HF returns them: (B·C, T, H), (B·C, heads, T, T). */
  async forward(inputs: BertMultipleChoiceInputs): Promise<ClassifierOutput> {
    return this.runClassifier(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: BertMultipleChoiceInputs, options?: ForwardProgramOptions): BoundProgram {
    const where = 'BertForMultipleChoice.forward';
    checkInputs(inputs, ['inputIds', 'attentionMask', 'tokenTypeIds', 'labels', 'outputHiddenStates', 'outputAttentions'], where);
    const ids = flattenChoices(inputs.inputIds, 'input_ids');
    const flatOf = (value: ChoiceIdsLike | undefined, name: string) => {
      if (value === undefined) return undefined;
      const f = flattenChoices(value, name);
      if (f.choices !== ids.choices) throw new InputError(`${name} has ${f.choices} choices per example, input_ids has ${ids.choices}`);
      return f.flat;
    };
    // The flat rows go through BERT's usual checks (row r is example ⌊r / C⌋, choice r mod C).
    const flatFeeds = bertFeeds(
      this.config,
      {
        inputIds: ids.flat,
        attentionMask: flatOf(inputs.attentionMask, 'attention_mask'),
        tokenTypeIds: flatOf(inputs.tokenTypeIds, 'token_type_ids'),
        outputHiddenStates: inputs.outputHiddenStates,
        outputAttentions: inputs.outputAttentions,
      },
      [],
      where,
    );
    const [rows, T] = ids.flat.shape as [number, number];
    const batch = rows / ids.choices;
    const feeds: Record<string, HostTensor> = {};
    for (const [name, t] of Object.entries(flatFeeds)) feeds[name] = hostTensor(t.data as Int32Array, [batch, ids.choices, T]);
    if (inputs.labels !== undefined) feeds.labels = exampleLabelsFeed(inputs.labels, batch, ids.choices, where);
    return headProgram({
      owner: this,
      feeds,
      ...checkLayerOutputFlags(inputs, where),
      tag: 'mc',
      training: options?.training,
      backbone: (ops, x, outputAttentions, training) => this.encodeChoices(ops, x, outputAttentions, training),
      head: (ops, last, x, training) => {
        const logits = this.choiceLogits(ops, last, x.input_ids!, training);
        return { logits, ...(x.labels ? { loss: crossEntropy(ops, logits, x.labels) } : {}) };
      },
    });
  }

  override exportSpec(): ExportSpec {
    const spec = { dtype: 'int32', shape: ['batch_size', 'num_choices', 'sequence_length'] } as const;
    return {
      program: { owner: this, key: 'export:mc-logits', build: (ops, x) => ({ logits: this.choiceLogits(ops, this.encodeChoices(ops, x).states.at(-1)!, x.input_ids!) }) },
      inputs: { input_ids: spec, attention_mask: spec, token_type_ids: spec },
      outputs: { logits: ['batch_size', 'num_choices'] },
    };
  }
}
