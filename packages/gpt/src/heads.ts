/**
 * GPT-2's classification heads, as Hugging Face names and computes them: `score` (no bias) on the last
 * real token for sequence classification, `classifier` on every token for token classification. Dropout
 * fields in config.json are accepted; at inference dropout is the identity.
 */
import {
  type BoundProgram,
  type ClassifierOutput,
  type HeadProgramSpec,
  checkLayerOutputFlags,
  headProgram,
  runClassifier,
  CLASSIFIER_OPTIONS,
  type CheckpointSpec,
  type ClassifierPretrainedOptions,
  type ExportSpec,
  type HeadPretrainedOptions,
  type HostTensor,
  IGNORE_INDEX,
  type IdsLike,
  InputError,
  type LabelConfig,
  Linear,
  type Ops,
  type ForwardProgramOptions,
  dropout,
  PreTrainedModel,
  type ProblemType,
  type SequenceLabels,
  type Tensor,
  crossEntropy,
  labelConfigFromJSON,
  loadPretrained,
  sequenceClassificationLoss,
  sequenceLabelsFeed,
} from '@attnjs/core';
import {
  checkInputs,
  idsFeed,
  tokenFeed,
} from '@attnjs/core/internal';
import { type GPT2Config, gpt2ConfigFromJSON } from './config.js';
import { GPT2_CHECKPOINT, GPT2Model } from './modeling.js';

/** A head model's config: the transformer's fields and the label fields. */
export type GPT2HeadConfig = GPT2Config & LabelConfig;

const GPT2_HEAD_CHECKPOINT: CheckpointSpec = { ...GPT2_CHECKPOINT, newHeads: [/^score\./, /^classifier\./] };

export interface GPT2ClassifierInputs<L> {
  readonly inputIds: IdsLike;
  /** 1 = attend, 0 = padding; defaults to all ones. */
  readonly attentionMask?: IdsLike;
  readonly labels?: L;
  /** Also return the embeddings output and every block's output (HF's `output_hidden_states`). */
  readonly outputHiddenStates?: boolean;
  /** Also return every block's attention probabilities [B, heads, T, T] (HF's `output_attentions`). */
  readonly outputAttentions?: boolean;
}

/** The transformer and a way to run one head program on it. */
abstract class GPT2TaskModel extends PreTrainedModel {
  protected readonly checkpointSpec = GPT2_HEAD_CHECKPOINT;
  readonly transformer: GPT2Model;

  constructor(readonly config: GPT2HeadConfig) {
    super();
    this.transformer = this.child('transformer', new GPT2Model(config));
  }

  protected static load<M extends PreTrainedModel>(dir: string | URL, options: ClassifierPretrainedOptions, create: (c: GPT2HeadConfig) => M): Promise<M> {
    const parse = (reader: Parameters<typeof gpt2ConfigFromJSON>[0]) => ({ ...gpt2ConfigFromJSON(reader), ...labelConfigFromJSON(reader, options) });
    return loadPretrained(dir, options, parse, create, CLASSIFIER_OPTIONS);
  }

  /** Checked ids and mask (labels are the caller's to check). */
  protected feeds(inputs: GPT2ClassifierInputs<unknown>, where: string): Record<string, HostTensor> {
    checkInputs(inputs, ['inputIds', 'attentionMask', 'labels', 'outputHiddenStates', 'outputAttentions'], where);
    const inputIds = idsFeed(inputs.inputIds, this.config.vocabSize, this.config.nPositions);
    const feeds: Record<string, HostTensor> = { input_ids: inputIds };
    if (inputs.attentionMask !== undefined) feeds.attention_mask = tokenFeed(inputs.attentionMask, inputIds, 'attention_mask', 2);
    return feeds;
  }

  /**
   * The program: `head` on the last hidden state (B, T, d) after ln_f; `tag` names the head and loss in
   * the key. `inputs`' per-layer output flags are checked here; `options.training` builds it in training mode.
   */
  protected headProgram(
    inputs: GPT2ClassifierInputs<unknown>,
    feeds: Record<string, HostTensor>,
    where: string,
    tag: string,
    head: HeadProgramSpec['head'],
    options?: ForwardProgramOptions,
  ): BoundProgram {
    const backbone: HeadProgramSpec['backbone'] = (ops, x, outputAttentions, training) =>
      this.transformer.decode(ops, x.input_ids!, { attentionMask: x.attention_mask, outputAttentions, training });
    return headProgram({ owner: this, feeds, ...checkLayerOutputFlags(inputs, where), tag, backbone, head, training: options?.training });
  }

  protected runClassifier(bound: BoundProgram): Promise<ClassifierOutput> {
    return runClassifier(this.backend, bound, this.config.nLayer);
  }

  /** Optimum's layout: int64 input_ids and attention_mask [batch_size, sequence_length] → `logits`. */
  protected classifierExport(logitDims: readonly (number | string)[], head: (ops: Ops, last: Tensor, inputIds: Tensor) => Tensor): ExportSpec {
    const spec = { dtype: 'int32', shape: ['batch_size', 'sequence_length'] } as const;
    const build = (ops: Ops, x: Record<string, Tensor>) => ({
      logits: head(ops, this.transformer.transform(ops, x.input_ids!, x.attention_mask).at(-1)!, x.input_ids!),
    });
    return { program: { owner: this, key: 'export:logits', build }, inputs: { input_ids: spec, attention_mask: spec }, outputs: { logits: logitDims } };
  }
}

/**
 * `score` (no bias) on the hidden state of each row's last real token → logits (B, num_labels), as HF's
 * GPT2ForSequenceClassification: with `pad_token_id` in config.json the last token is the rightmost one
 * not equal to it (so left and right padding both work; a row of only pads uses position 0; HF 4.36
 * took the token before the first pad instead, the same index under right padding); without
 * it, the last position, and a batch of more than one row is an error (HF raises too). The attention
 * mask does not choose the token — the pad id does — exactly as in HF.
 */
export class GPT2ForSequenceClassification extends GPT2TaskModel {
  static readonly modelName = 'GPT2ForSequenceClassification';
  readonly score: Linear;

  constructor(config: GPT2HeadConfig, options?: HeadPretrainedOptions) {
    super(config);
    this.score = this.child('score', new Linear(config.nEmbd, config.numLabels, { bias: false }));
    if (options) this.attach(options.backend);
  }

  static fromPretrained(dir: string | URL, options: ClassifierPretrainedOptions): Promise<GPT2ForSequenceClassification> {
    return GPT2TaskModel.load(dir, options, (config) => new GPT2ForSequenceClassification(config, options));
  }

  /** (B, T, d) → (B, d) at the last non-pad token of each row. */
  private lastToken(ops: Ops, hidden: Tensor, inputIds: Tensor): Tensor {
    const pad = this.config.padTokenId;
    if (pad === undefined) return ops.reshape(ops.slice(hidden, 1, -1), [0, -1]);
    // HF: argmax over (position · [id ≠ pad]) — the largest position holding a real token.
    const positions = ops.range(inputIds, 1); // (T)
    const notPad = ops.notEqual(inputIds, ops.scalar(pad, 'int32')); // (B, T) float
    const last = ops.argmax(ops.mul(ops.cast(positions, 'float32'), notPad), -1); // (B)
    const oneHot = ops.sub(ops.scalar(1), ops.notEqual(ops.reshape(positions, [1, -1]), ops.reshape(last, [-1, 1]))); // (B, T)
    return ops.reshape(ops.matmul(ops.reshape(oneHot, [0, 1, -1]), hidden), [0, -1]); // (B, 1, T)·(B, T, d) → (B, d)
  }

  private logits(ops: Ops, hidden: Tensor, inputIds: Tensor): Tensor {
    return this.score.forward(ops, this.lastToken(ops, hidden, inputIds)); // (B, C)
  }

  async forward(inputs: GPT2ClassifierInputs<SequenceLabels>): Promise<ClassifierOutput> {
    return this.runClassifier(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: GPT2ClassifierInputs<SequenceLabels>, options?: ForwardProgramOptions): BoundProgram {
    const where = 'GPT2ForSequenceClassification.forward';
    const feeds = this.feeds(inputs, where);
    const batch = feeds.input_ids!.shape[0]!;
    if (this.config.padTokenId === undefined && batch > 1) {
      throw new InputError(`${where}: cannot handle a batch of ${batch} without a padding token: config.json has no pad_token_id, so the last real token of each row is unknown`);
    }
    let problemType: ProblemType | undefined;
    if (inputs.labels !== undefined) ({ labels: feeds.labels, problemType } = sequenceLabelsFeed(inputs.labels, this.config, batch, where));
    // The problem type picks the loss, so it is part of the program key.
    return this.headProgram(inputs, feeds, where, `seqcls:${problemType ?? 'none'}`, (ops, last, x) => {
      const logits = this.logits(ops, last, x.input_ids!);
      return { logits, ...(x.labels && problemType ? { loss: sequenceClassificationLoss(ops, logits, x.labels, problemType) } : {}) };
    }, options);
  }

  override exportSpec(): ExportSpec {
    return this.classifierExport(['batch_size', this.config.numLabels], (ops, last, ids) => this.logits(ops, last, ids));
  }
}

/** `classifier` on every token → logits (B, T, num_labels); loss = cross-entropy over labelled tokens (−100 ignored). */
export class GPT2ForTokenClassification extends GPT2TaskModel {
  static readonly modelName = 'GPT2ForTokenClassification';
  readonly classifier: Linear;

  constructor(config: GPT2HeadConfig, options?: HeadPretrainedOptions) {
    super(config);
    this.classifier = this.child('classifier', new Linear(config.nEmbd, config.numLabels));
    if (options) this.attach(options.backend);
  }

  static fromPretrained(dir: string | URL, options: ClassifierPretrainedOptions): Promise<GPT2ForTokenClassification> {
    return GPT2TaskModel.load(dir, options, (config) => new GPT2ForTokenClassification(config, options));
  }

  async forward(inputs: GPT2ClassifierInputs<IdsLike>): Promise<ClassifierOutput> {
    return this.runClassifier(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: GPT2ClassifierInputs<IdsLike>, options?: ForwardProgramOptions): BoundProgram {
    const where = 'GPT2ForTokenClassification.forward';
    const feeds = this.feeds(inputs, where);
    if (inputs.labels !== undefined) feeds.labels = tokenFeed(inputs.labels, feeds.input_ids as HostTensor<'int32'>, 'labels', this.config.numLabels, [IGNORE_INDEX]);
    const head: HeadProgramSpec['head'] = (ops, last, x, training) => {
      const logits = this.classifier.forward(ops, dropout(ops, last, this.config.classifierDropout, training)); // (B, T, C)
      return { logits, ...(x.labels ? { loss: crossEntropy(ops, logits, x.labels) } : {}) };
    };
    return this.headProgram(inputs, feeds, where, 'tokencls', head, options);
  }

  override exportSpec(): ExportSpec {
    return this.classifierExport(['batch_size', 'sequence_length', this.config.numLabels], (ops, last) => this.classifier.forward(ops, last));
  }
}
