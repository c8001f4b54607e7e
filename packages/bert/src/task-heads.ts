/**
 * BERT's fine-tuning heads, as Hugging Face names and computes them: a small layer on the encoder's
 * output (`classifier`, `qa_outputs`, `cls.seq_relationship`), its loss, and the label fields of the
 * config. Dropout fields in config.json are accepted; at inference dropout is the identity.
 */
import {
  type BoundProgram,
  type ClassifierOutput,
  type HeadProgramSpec,
  checkLayerOutputFlags,
  collectLayerOutputs,
  headProgram,
  runClassifier,
  CLASSIFIER_OPTIONS,
  type CheckpointSpec,
  type ClassifierPretrainedOptions,
  ConfigError,
  type ExportSpec,
  HEAD_OPTIONS,
  type HeadPretrainedOptions,
  type HostTensor,
  IGNORE_INDEX,
  type IdsLike,
  type LabelConfig,
  Linear,
  type Ops,
  type ForwardProgramOptions,
  type TrainingMode,
  dropout,
  PreTrainedModel,
  type ProblemType,
  type SequenceLabels,
  type Tensor,
  crossEntropy,
  labelConfigFromJSON,
  loadPretrained,
  questionAnsweringLoss,
  sequenceClassificationLoss,
  sequenceLabelsFeed,
  spanPositionsFeed,
  InputError,
} from '@attnjs/core';
import {
  checkRange,
  toLabels1d,
  tokenFeed,
} from '@attnjs/core/internal';
import { type BertConfig, bertConfigFromJSON } from './config.js';
import { BERT_CHECKPOINT, BertModel, type BertInputs, bertExport, bertFeeds, encoderInputs } from './modeling.js';

/** A head model's config: the encoder's fields and the label fields. */
export type BertHeadConfig = BertConfig & LabelConfig;

/** BERT's checkpoint spec, plus the parameters HF initialises fresh when a base checkpoint lacks them. */
const BERT_HEAD_CHECKPOINT: CheckpointSpec = {
  ...BERT_CHECKPOINT,
  newHeads: [/^classifier\./, /^qa_outputs\./, /^cls\.seq_relationship\./, /^bert\.pooler\./],
};

export function loadBertHead<M extends PreTrainedModel>(
  dir: string | URL,
  options: HeadPretrainedOptions,
  extraOptions: readonly string[],
  create: (config: BertHeadConfig) => M,
): Promise<M> {
  const parse = (reader: Parameters<typeof bertConfigFromJSON>[0]) => ({ ...bertConfigFromJSON(reader), ...labelConfigFromJSON(reader, options) });
  return loadPretrained(dir, options, parse, create, extraOptions);
}

/** The encoder (with or without pooler) and a way to run one head program on it. */
export abstract class BertTaskModel extends PreTrainedModel {
  protected readonly checkpointSpec = BERT_HEAD_CHECKPOINT;
  readonly bert: BertModel;

  constructor(readonly config: BertHeadConfig, pooler: boolean) {
    super();
    this.bert = this.child('bert', new BertModel(config, { addPoolingLayer: pooler }));
  }

  /**
   * The program: encode, then `head` on the last layer's output (B, T, H). `tag` names the head and loss
   * in the key; `inputs`' per-layer output flags (checked by `bertFeeds`) pick the extra outputs;
   * `options.training` builds it in training mode.
   */
  protected headProgram(
    inputs: BertInputs,
    feeds: Record<string, HostTensor>,
    tag: string,
    head: HeadProgramSpec['head'],
    options?: ForwardProgramOptions,
  ): BoundProgram {
    const backbone: HeadProgramSpec['backbone'] = (ops, x, outputAttentions, training) =>
      this.bert.encodeLayers(ops, encoderInputs(x), outputAttentions, training);
    const flags = checkLayerOutputFlags(inputs, `${this.modelName}.forward`);
    return headProgram({ owner: this, feeds, ...flags, tag, backbone, head, training: options?.training });
  }

  protected runClassifier(bound: BoundProgram): Promise<ClassifierOutput> {
    return runClassifier(this.backend, bound, this.config.numHiddenLayers);
  }
}

export interface BertSequenceClassificationInputs extends BertInputs {
  /** Class ids [B] (single-label), multi-hot rows [B][C] (multi-label), or targets [B] / [B][C] (regression). */
  readonly labels?: SequenceLabels;
}

/**
 * `classifier` on the pooled [CLS] output → logits (B, num_labels). The loss follows `problem_type`:
 * cross-entropy, binary cross-entropy with logits, or mean squared error; unset, HF's inference from
 * `num_labels` and the labels' type decides (1 label → regression, integer ids → single-label).
 */
export class BertForSequenceClassification extends BertTaskModel {
  static readonly modelName = 'BertForSequenceClassification';
  readonly classifier: Linear;

  constructor(config: BertHeadConfig, options?: HeadPretrainedOptions) {
    super(config, true);
    this.classifier = this.child('classifier', new Linear(config.hiddenSize, config.numLabels));
    if (options) this.attach(options.backend);
  }

  static fromPretrained(dir: string | URL, options: ClassifierPretrainedOptions): Promise<BertForSequenceClassification> {
    return loadBertHead(dir, options, CLASSIFIER_OPTIONS, (config) => new BertForSequenceClassification(config, options));
  }

  /** HF's dropout (classifier_dropout, else hidden_dropout_prob) sits between the pooler and the classifier. */
  private logits(ops: Ops, last: Tensor, training?: TrainingMode): Tensor {
    const pooled = dropout(ops, this.bert.pool(ops, last), this.config.classifierDropout, training);
    return this.classifier.forward(ops, pooled); // (B, C)
  }

  async forward(inputs: BertSequenceClassificationInputs): Promise<ClassifierOutput> {
    return this.runClassifier(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: BertSequenceClassificationInputs, options?: ForwardProgramOptions): BoundProgram {
    const where = 'BertForSequenceClassification.forward';
    const feeds = bertFeeds(this.config, inputs, ['labels'], where);
    let problemType: ProblemType | undefined;
    if (inputs.labels !== undefined) ({ labels: feeds.labels, problemType } = sequenceLabelsFeed(inputs.labels, this.config, feeds.input_ids!.shape[0]!, where));
    // The problem type picks the loss, so it is part of the program key.
    const tag = `seqcls:${problemType ?? 'none'}`;
    const head: HeadProgramSpec['head'] = (ops, last, x, training) => {
      const logits = this.logits(ops, last, training);
      return { logits, ...(x.labels && problemType ? { loss: sequenceClassificationLoss(ops, logits, x.labels, problemType) } : {}) };
    };
    return this.headProgram(inputs, feeds, tag, head, options);
  }

  override exportSpec(): ExportSpec {
    return bertExport(this, { logits: ['batch_size', this.config.numLabels] }, (ops, x) => ({
      logits: this.logits(ops, this.bert.encode(ops, x.input_ids!, x.attention_mask, x.token_type_ids).at(-1)!),
    }));
  }
}

export interface BertTokenClassificationInputs extends BertInputs {
  /** A class id per token [B, T]; −100 (e.g. at [CLS], [SEP], pads, later sub-words) is ignored. */
  readonly labels?: IdsLike;
}

/** `classifier` on every token's output → logits (B, T, num_labels); loss = cross-entropy over the labelled tokens. */
export class BertForTokenClassification extends BertTaskModel {
  static readonly modelName = 'BertForTokenClassification';
  readonly classifier: Linear;

  constructor(config: BertHeadConfig, options?: HeadPretrainedOptions) {
    super(config, false);
    this.classifier = this.child('classifier', new Linear(config.hiddenSize, config.numLabels));
    if (options) this.attach(options.backend);
  }

  static fromPretrained(dir: string | URL, options: ClassifierPretrainedOptions): Promise<BertForTokenClassification> {
    return loadBertHead(dir, options, CLASSIFIER_OPTIONS, (config) => new BertForTokenClassification(config, options));
  }

  async forward(inputs: BertTokenClassificationInputs): Promise<ClassifierOutput> {
    return this.runClassifier(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: BertTokenClassificationInputs, options?: ForwardProgramOptions): BoundProgram {
    const feeds = bertFeeds(this.config, inputs, ['labels'], 'BertForTokenClassification.forward');
    if (inputs.labels !== undefined) feeds.labels = tokenFeed(inputs.labels, feeds.input_ids as HostTensor<'int32'>, 'labels', this.config.numLabels, [IGNORE_INDEX]);
    const head: HeadProgramSpec['head'] = (ops, last, x, training) => {
      const logits = this.classifier.forward(ops, dropout(ops, last, this.config.classifierDropout, training)); // (B, T, C)
      return { logits, ...(x.labels ? { loss: crossEntropy(ops, logits, x.labels) } : {}) };
    };
    return this.headProgram(inputs, feeds, 'tokencls', head, options);
  }

  override exportSpec(): ExportSpec {
    return bertExport(this, { logits: ['batch_size', 'sequence_length', this.config.numLabels] }, (ops, x) => ({
      logits: this.classifier.forward(ops, this.bert.encode(ops, x.input_ids!, x.attention_mask, x.token_type_ids).at(-1)!),
    }));
  }
}

export interface BertQuestionAnsweringInputs extends BertInputs {
  /** Answer start per example [B], an index into the padded sequence. Out of [0, T) is clamped as HF does (≥ T: ignored). */
  readonly startPositions?: readonly number[] | HostTensor<'int32'>;
  readonly endPositions?: readonly number[] | HostTensor<'int32'>;
}

export interface BertQuestionAnsweringOutput {
  readonly startLogits: HostTensor<'float32'>; // (B, T)
  readonly endLogits: HostTensor<'float32'>; // (B, T)
  /** (start CE + end CE) / 2 over all T positions, pads included (HF), when both positions are given. */
  readonly loss?: number;
  readonly hiddenStates?: HostTensor<'float32'>[];
  readonly attentions?: HostTensor<'float32'>[];
}

/** `qa_outputs` on every token → start and end logits (B, T) for extractive question answering. */
export class BertForQuestionAnswering extends BertTaskModel {
  static readonly modelName = 'BertForQuestionAnswering';
  readonly qaOutputs: Linear;

  constructor(config: BertHeadConfig, options?: HeadPretrainedOptions) {
    super(config, false);
    // HF sizes qa_outputs by num_labels and splits it into start and end, so it must be 2.
    if (config.numLabels !== 2) throw new ConfigError(`BertForQuestionAnswering needs 2 labels (start, end), config has ${config.numLabels}`);
    this.qaOutputs = this.child('qa_outputs', new Linear(config.hiddenSize, 2));
    if (options) this.attach(options.backend);
  }

  static fromPretrained(dir: string | URL, options: HeadPretrainedOptions): Promise<BertForQuestionAnswering> {
    return loadBertHead(dir, options, HEAD_OPTIONS, (config) => new BertForQuestionAnswering(config, options));
  }

  /** (B, T, H) → start, end logits, each (B, T). */
  private spanLogits(ops: Ops, last: Tensor): { start_logits: Tensor; end_logits: Tensor } {
    const logits = this.qaOutputs.forward(ops, last); // (B, T, 2)
    return {
      start_logits: ops.reshape(ops.slice(logits, -1, 0, 1), [0, 0]),
      end_logits: ops.reshape(ops.slice(logits, -1, 1, 2), [0, 0]),
    };
  }

  async forward(inputs: BertQuestionAnsweringInputs): Promise<BertQuestionAnsweringOutput> {
    const bound = this.forwardProgram(inputs);
    const out = await this.backend.run(bound.program, bound.inputs);
    return {
      startLogits: out.start_logits as HostTensor<'float32'>,
      endLogits: out.end_logits as HostTensor<'float32'>,
      loss: out.loss?.data[0],
      ...collectLayerOutputs(out, this.config.numHiddenLayers),
    };
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when both positions are given. */
  forwardProgram(inputs: BertQuestionAnsweringInputs, options?: ForwardProgramOptions): BoundProgram {
    const where = 'BertForQuestionAnswering.forward';
    const feeds = bertFeeds(this.config, inputs, ['startPositions', 'endPositions'], where);
    if ((inputs.startPositions === undefined) !== (inputs.endPositions === undefined)) {
      throw new InputError(`${where}: the loss needs both startPositions and endPositions`);
    }
    if (inputs.startPositions !== undefined && inputs.endPositions !== undefined) {
      const [B, T] = feeds.input_ids!.shape as [number, number];
      feeds.start_positions = spanPositionsFeed(inputs.startPositions, 'start_positions', B, T);
      feeds.end_positions = spanPositionsFeed(inputs.endPositions, 'end_positions', B, T);
    }
    return this.headProgram(inputs, feeds, 'qa', (ops, last, x) => {
      const span = this.spanLogits(ops, last);
      if (!x.start_positions || !x.end_positions) return span;
      return { ...span, loss: questionAnsweringLoss(ops, span.start_logits, span.end_logits, x.start_positions, x.end_positions) };
    }, options);
  }

  override exportSpec(): ExportSpec {
    const outputs = { start_logits: ['batch_size', 'sequence_length'], end_logits: ['batch_size', 'sequence_length'] };
    return bertExport(this, outputs, (ops, x) => this.spanLogits(ops, this.bert.encode(ops, x.input_ids!, x.attention_mask, x.token_type_ids).at(-1)!));
  }
}

export interface BertNextSentencePredictionInputs extends BertInputs {
  /** 0 = sentence B follows A, 1 = B is random, per example [B]. */
  readonly labels?: readonly number[] | HostTensor<'int32'>;
}

/** `cls.seq_relationship` on the pooled [CLS] output → logits (B, 2); loss = cross-entropy. */
export class BertForNextSentencePrediction extends BertTaskModel {
  static readonly modelName = 'BertForNextSentencePrediction';
  readonly seqRelationship: Linear;

  constructor(config: BertHeadConfig, options?: HeadPretrainedOptions) {
    super(config, true);
    this.seqRelationship = this.child('cls.seq_relationship', new Linear(config.hiddenSize, 2));
    if (options) this.attach(options.backend);
  }

  static fromPretrained(dir: string | URL, options: HeadPretrainedOptions): Promise<BertForNextSentencePrediction> {
    return loadBertHead(dir, options, HEAD_OPTIONS, (config) => new BertForNextSentencePrediction(config, options));
  }

  private logits(ops: Ops, last: Tensor): Tensor {
    return this.seqRelationship.forward(ops, this.bert.pool(ops, last)); // (B, 2)
  }

  async forward(inputs: BertNextSentencePredictionInputs): Promise<ClassifierOutput> {
    return this.runClassifier(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: BertNextSentencePredictionInputs, options?: ForwardProgramOptions): BoundProgram {
    const where = 'BertForNextSentencePrediction.forward';
    const feeds = bertFeeds(this.config, inputs, ['labels'], where);
    if (inputs.labels !== undefined) feeds.labels = exampleLabelsFeed(inputs.labels, feeds.input_ids!.shape[0]!, 2, where);
    return this.headProgram(inputs, feeds, 'nsp', (ops, last, x) => {
      const logits = this.logits(ops, last);
      return { logits, ...(x.labels ? { loss: crossEntropy(ops, logits, x.labels) } : {}) };
    }, options);
  }

  override exportSpec(): ExportSpec {
    return bertExport(this, { logits: ['batch_size', 2] }, (ops, x) => ({
      logits: this.logits(ops, this.bert.encode(ops, x.input_ids!, x.attention_mask, x.token_type_ids).at(-1)!),
    }));
  }
}

/** One class id per example [B], each in 0..classes−1 or −100. */
export function exampleLabelsFeed(value: readonly number[] | HostTensor<'int32'>, batch: number, classes: number, where: string): HostTensor<'int32'> {
  const labels = toLabels1d(value, 'labels');
  if (labels.dtype !== 'int32' || labels.shape.length !== 1 || labels.shape[0] !== batch) {
    throw new InputError(`${where}: labels must be int32 [${batch}], got ${labels.dtype} [${labels.shape.join(', ')}]`);
  }
  checkRange(labels, classes, 'labels', [IGNORE_INDEX]);
  return labels;
}
