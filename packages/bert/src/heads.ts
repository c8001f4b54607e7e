import {
  type BoundProgram,
  type ExportSpec,
  type FromPretrainedOptions,
  type HostTensor,
  type IdsLike,
  InputError,
  LayerNorm,
  Linear,
  Module,
  type Ops,
  type ForwardProgramOptions,
  type LayerOutputFlags,
  TrainingMode,
  type Parameter,
  PreTrainedModel,
  type Tensor,
  checkLayerOutputFlags,
  collectLayerOutputs,
  layerOutputs,
  causalLMLoss,
  maskedLMLoss,
  nextSentenceLoss,
  IGNORE_INDEX,
} from '@attnjs/core';
import { checkRange, tokenFeed, toLabels1d } from '@attnjs/core/internal';
import type { BertConfig } from './config.js';
import {
  BERT_CHECKPOINT,
  BertModel,
  type BertInputs,
  bertExport,
  bertFeeds,
  encoderInputs,
  loadBert,
  programKey,
} from './modeling.js';
import { labelledRowFeeds, labelledRowsLoss } from './labelled-rows.js';

/**
 * `cls.predictions`: dense → gelu → LayerNorm → decoder. The decoder weight is the word embedding
 * and its bias is `cls.predictions.bias` (both tied, as HF stores them).
 */
export class BertLMPredictionHead extends Module {
  private readonly dense: Linear;
  private readonly norm: LayerNorm;
  private readonly bias: Parameter;

  constructor(private readonly config: BertConfig, private readonly decoder: Parameter) {
    super();
    this.dense = this.child('transform.dense', new Linear(config.hiddenSize, config.hiddenSize));
    this.norm = this.child('transform.LayerNorm', new LayerNorm(config.hiddenSize, config.layerNormEps));
    this.bias = this.parameter('bias', [config.vocabSize]);
    this.alias('decoder.weight', decoder);
    this.alias('decoder.bias', this.bias);
  }

  /** (B, T, H) → (B, T, V). */
  forward(ops: Ops, hidden: Tensor): Tensor {
    const h = this.norm.forward(ops, ops.gelu(this.dense.forward(ops, hidden), this.config.hiddenAct));
    return ops.add(ops.matmul(h, ops.param(this.decoder), false, true), ops.param(this.bias));
  }
}

export interface BertMaskedLMInputs extends BertInputs {
  /** Target ids at masked positions, −100 elsewhere. */
  readonly labels?: IdsLike;
}

export interface BertForPreTrainingInputs extends BertMaskedLMInputs {
  /** 0 = sentence B follows A, 1 = B is random. */
  readonly nextSentenceLabel?: readonly number[] | HostTensor<'int32'>;
}

export interface BertForPreTrainingOutput {
  readonly predictionLogits: HostTensor<'float32'>; // (B, T, V)
  readonly seqRelationshipLogits: HostTensor<'float32'>; // (B, 2)
  readonly lastHiddenState: HostTensor<'float32'>;
  readonly hiddenStates?: HostTensor<'float32'>[];
  readonly attentions?: HostTensor<'float32'>[];
  /** MLM + NSP, when both labels are given. */
  readonly loss?: number;
}

export interface BertLMOutput {
  readonly logits: HostTensor<'float32'>; // (B, T, V)
  readonly lastHiddenState: HostTensor<'float32'>;
  readonly hiddenStates?: HostTensor<'float32'>[];
  readonly attentions?: HostTensor<'float32'>[];
  readonly loss?: number;
}

/** Shared by the heads that end in `cls.predictions`. */
export abstract class BertWithLMHead extends PreTrainedModel {
  protected readonly checkpointSpec = BERT_CHECKPOINT;
  readonly bert: BertModel;
  protected readonly predictions: BertLMPredictionHead;

  constructor(readonly config: BertConfig, options: FromPretrainedOptions | undefined, pooler: boolean) {
    super();
    this.bert = this.child('bert', new BertModel(config, { addPoolingLayer: pooler }));
    this.predictions = this.child('cls.predictions', new BertLMPredictionHead(config, this.bert.embeddings.wordEmbeddings.weight));
    if (options) this.attach(options.backend);
  }

  override exportSpec(): ExportSpec {
    return bertExport(this, { logits: ['batch_size', 'sequence_length', this.config.vocabSize] }, (ops, x) => ({
      logits: this.predictions.forward(ops, this.bert.encode(ops, x.input_ids!, x.attention_mask, x.token_type_ids).at(-1)!),
    }));
  }

  protected labelFeed(inputs: BertMaskedLMInputs, inputIds: HostTensor): HostTensor | undefined {
    if (inputs.labels === undefined) return undefined;
    return tokenFeed(inputs.labels, inputIds as HostTensor<'int32'>, 'labels', this.config.vocabSize, [IGNORE_INDEX]);
  }

  /**
   * The label feeds: `labels` as given; for a loss-only program that `gathers` (masked-LM), the labelled
   * rows (`masked_positions`, `masked_labels`) instead. Loss-only needs labels and no layer outputs.
   */
  protected lossFeeds(
    labels: HostTensor | undefined,
    flags: LayerOutputFlags,
    options: ForwardProgramOptions | undefined,
    gathers: boolean,
    where: string,
  ): Record<string, HostTensor> {
    if (!options?.lossOnly) return labels ? { labels } : {};
    if (!labels) throw new InputError(`${where}: a lossOnly program needs labels`);
    if (flags.allStates || flags.allAttentions) {
      throw new InputError(`${where}: a lossOnly program outputs only loss; drop outputHiddenStates / outputAttentions`);
    }
    return gathers ? { ...labelledRowFeeds(labels as HostTensor<'int32'>) } : { labels };
  }

  /** The masked-LM loss of a loss-only program: the labelled rows alone go through the head. */
  protected labelledRowsLoss(ops: Ops, last: Tensor, x: Record<string, Tensor>): Tensor {
    return labelledRowsLoss(ops, last, x, (rows) => this.predictions.forward(ops, rows));
  }

  protected lmProgram(inputs: BertMaskedLMInputs, where: string, loss: 'masked' | 'causal', options?: ForwardProgramOptions): BoundProgram {
    const feeds = bertFeeds(this.config, inputs, ['labels'], where);
    const flags = checkLayerOutputFlags(inputs, where);
    // A loss-only causal LM keeps `labels`: its shifted targets need the logits of every position but one.
    Object.assign(feeds, this.lossFeeds(this.labelFeed(inputs, feeds.input_ids!), flags, options, loss === 'masked', where));
    const lossOnly = options?.lossOnly === true;
    const build = (ops: Ops, x: Record<string, Tensor>): Record<string, Tensor> => {
      const backbone = this.bert.encodeLayers(ops, encoderInputs(x), flags.allAttentions, TrainingMode.from(options));
      const last = backbone.states.at(-1)!;
      if (lossOnly && loss === 'masked') return { loss: this.labelledRowsLoss(ops, last, x) };
      const logits = this.predictions.forward(ops, last); // (B, T, V)
      if (lossOnly) return { loss: causalLMLoss(ops, logits, x.labels!) };
      const lossFn = loss === 'masked' ? maskedLMLoss : causalLMLoss;
      return {
        logits,
        last_hidden_state: last,
        ...(x.labels ? { loss: lossFn(ops, logits, x.labels) } : {}),
        ...layerOutputs(backbone, flags),
      };
    };
    return { program: { owner: this, key: programKey(feeds, flags, `:${loss}${programVariant(options)}`), build }, inputs: feeds };
  }

  protected async runLM(bound: BoundProgram): Promise<BertLMOutput> {
    const out = await this.backend.run(bound.program, bound.inputs);
    return {
      logits: out.logits as HostTensor<'float32'>,
      lastHiddenState: out.last_hidden_state as HostTensor<'float32'>,
      ...collectLayerOutputs(out, this.config.numHiddenLayers),
      loss: out.loss?.data[0],
    };
  }
}

/** BERT with both pretraining heads: masked-LM and next-sentence prediction. */
export class BertForPreTraining extends BertWithLMHead {
  static readonly modelName = 'BertForPreTraining';
  private readonly seqRelationship: Linear;

  constructor(config: BertConfig, options?: FromPretrainedOptions) {
    super(config, undefined, true);
    this.seqRelationship = this.child('cls.seq_relationship', new Linear(config.hiddenSize, 2));
    if (options) this.attach(options.backend);
  }

  static async fromPretrained(dir: string | URL, options: FromPretrainedOptions): Promise<BertForPreTraining> {
    return loadBert(dir, options, (config) => new BertForPreTraining(config, options));
  }

  override exportSpec(): ExportSpec {
    const outputs = {
      prediction_logits: ['batch_size', 'sequence_length', this.config.vocabSize],
      seq_relationship_logits: ['batch_size', 2],
    };
    return bertExport(this, outputs, (ops, x) => {
      const last = this.bert.encode(ops, x.input_ids!, x.attention_mask, x.token_type_ids).at(-1)!;
      return {
        prediction_logits: this.predictions.forward(ops, last),
        seq_relationship_logits: this.seqRelationship.forward(ops, this.bert.pool(ops, last)),
      };
    });
  }

  /** With both `labels` and `nextSentenceLabel`, the result's `loss` is a number. */
  forward(
    inputs: BertForPreTrainingInputs & { readonly labels: IdsLike; readonly nextSentenceLabel: NonNullable<BertForPreTrainingInputs['nextSentenceLabel']> },
  ): Promise<BertForPreTrainingOutput & { readonly loss: number }>;
  forward(inputs: BertForPreTrainingInputs): Promise<BertForPreTrainingOutput>;
  async forward(inputs: BertForPreTrainingInputs): Promise<BertForPreTrainingOutput> {
    const { program, inputs: feeds } = this.forwardProgram(inputs);
    const out = await this.backend.run(program, feeds);
    return {
      predictionLogits: out.prediction_logits as HostTensor<'float32'>,
      seqRelationshipLogits: out.seq_relationship_logits as HostTensor<'float32'>,
      lastHiddenState: out.last_hidden_state as HostTensor<'float32'>,
      ...collectLayerOutputs(out, this.config.numHiddenLayers),
      loss: out.loss?.data[0],
    };
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` (MLM + NSP) when both labels are given. */
  forwardProgram(inputs: BertForPreTrainingInputs, options?: ForwardProgramOptions): BoundProgram {
    const where = 'BertForPreTraining.forward';
    const feeds = bertFeeds(this.config, inputs, ['labels', 'nextSentenceLabel'], where);
    if ((inputs.labels === undefined) !== (inputs.nextSentenceLabel === undefined)) {
      throw new InputError(`${where}: the pretraining loss needs both labels and nextSentenceLabel`);
    }
    const labels = this.labelFeed(inputs, feeds.input_ids!);
    const flags = checkLayerOutputFlags(inputs, where);
    if (inputs.nextSentenceLabel !== undefined) {
      const nsp = toLabels1d(inputs.nextSentenceLabel, 'next_sentence_label');
      if (nsp.shape[0] !== feeds.input_ids!.shape[0]) {
        throw new InputError(`next_sentence_label has ${nsp.shape[0]} labels for a batch of ${feeds.input_ids!.shape[0]}`);
      }
      checkRange(nsp, 2, 'next_sentence_label', [IGNORE_INDEX]);
      feeds.next_sentence_label = nsp;
    }
    Object.assign(feeds, this.lossFeeds(labels, flags, options, true, where));
    const build = (ops: Ops, x: Record<string, Tensor>): Record<string, Tensor> => {
      const backbone = this.bert.encodeLayers(ops, encoderInputs(x), flags.allAttentions, TrainingMode.from(options));
      const last = backbone.states.at(-1)!;
      if (options?.lossOnly) {
        const nsp = nextSentenceLoss(ops, this.seqRelationship.forward(ops, this.bert.pool(ops, last)), x.next_sentence_label!);
        return { loss: ops.add(this.labelledRowsLoss(ops, last, x), nsp) };
      }
      const predictionLogits = this.predictions.forward(ops, last); // (B, T, V)
      const seqRelationshipLogits = this.seqRelationship.forward(ops, this.bert.pool(ops, last)); // (B, 2)
      const outputs: Record<string, Tensor> = {
        prediction_logits: predictionLogits,
        seq_relationship_logits: seqRelationshipLogits,
        last_hidden_state: last,
        ...layerOutputs(backbone, flags),
      };
      if (x.labels && x.next_sentence_label) {
        const mlm = maskedLMLoss(ops, predictionLogits, x.labels);
        outputs.loss = ops.add(mlm, nextSentenceLoss(ops, seqRelationshipLogits, x.next_sentence_label));
      }
      return outputs;
    };
    return { program: { owner: this, key: programKey(feeds, flags, `:pretraining${programVariant(options)}`), build }, inputs: feeds };
  }
}

/** BERT with the masked-LM head (no pooler), as HF BertForMaskedLM. */
export class BertForMaskedLM extends BertWithLMHead {
  static readonly modelName = 'BertForMaskedLM';
  constructor(config: BertConfig, options?: FromPretrainedOptions) {
    super(config, options, false);
  }

  static async fromPretrained(dir: string | URL, options: FromPretrainedOptions): Promise<BertForMaskedLM> {
    return loadBert(dir, options, (config) => new BertForMaskedLM(config, options));
  }

  forward(inputs: BertMaskedLMInputs & { readonly labels: IdsLike }): Promise<BertLMOutput & { readonly loss: number }>;
  forward(inputs: BertMaskedLMInputs): Promise<BertLMOutput>;
  forward(inputs: BertMaskedLMInputs): Promise<BertLMOutput> {
    return this.runLM(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: BertMaskedLMInputs, options?: ForwardProgramOptions): BoundProgram {
    return this.lmProgram(inputs, 'BertForMaskedLM.forward', 'masked', options);
  }
}

/**
 * BERT with the LM head used left-to-right, as HF BertLMHeadModel: causal when config.is_decoder
 * (otherwise bidirectional, as HF runs it), loss = next-token cross-entropy (labels shifted inside).
 */
export class BertLMHeadModel extends BertWithLMHead {
  static readonly modelName = 'BertLMHeadModel';
  constructor(config: BertConfig, options?: FromPretrainedOptions) {
    super(config, options, false);
  }

  static async fromPretrained(dir: string | URL, options: FromPretrainedOptions): Promise<BertLMHeadModel> {
    return loadBert(dir, options, (config) => new BertLMHeadModel(config, options));
  }

  forward(inputs: BertMaskedLMInputs & { readonly labels: IdsLike }): Promise<BertLMOutput & { readonly loss: number }>;
  forward(inputs: BertMaskedLMInputs): Promise<BertLMOutput>;
  forward(inputs: BertMaskedLMInputs): Promise<BertLMOutput> {
    return this.runLM(this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: BertMaskedLMInputs, options?: ForwardProgramOptions): BoundProgram {
    return this.lmProgram(inputs, 'BertLMHeadModel.forward', 'causal', options);
  }
}

/** Program-key suffix for forwardProgram's options (engines cache one program per key). */
function programVariant(options: ForwardProgramOptions | undefined): string {
  return `${options?.training ? ':training' : ''}${options?.lossOnly ? ':loss-only' : ''}`;
}
