import {
  type Backend,
  type BackboneStates,
  type LayerOutputFlags,
  checkLayerOutputFlags,
  collectLayerOutputs,
  layerOutputs,
  layerOutputsKey,
  type BlockNames,
  type CheckpointSpec,
  Embedding,
  type ExportSpec,
  type FromPretrainedOptions,
  type HostTensor,
  type IdsLike,
  LayerNorm,
  LEGACY_LAYER_NORM_RENAMES,
  Linear,
  Module,
  ModuleList,
  type Ops,
  PreTrainedModel,
  type Tensor,
  TransformerBlock,
  type TrainingMode,
  dropout,
  UnsupportedError,
  loadPretrained,
} from '@attnjs/core';
import {
  checkBoolean,
  checkInputs,
  checkOptions,
  idsFeed,
  tokenFeed,
  toIds,
} from '@attnjs/core/internal';
import { type BertConfig, bertConfigFromJSON } from './config.js';

/** BERT's checkpoint names for the parts of a core TransformerBlock (nn.Linear weights are [out, in]). */
const BERT_BLOCK_NAMES: BlockNames = {
  attention: {
    query: 'attention.self.query',
    key: 'attention.self.key',
    value: 'attention.self.value',
    output: 'attention.output.dense',
  },
  attentionNorm: 'attention.output.LayerNorm',
  feedForward: { up: 'intermediate.dense', down: 'output.dense' },
  feedForwardNorm: 'output.LayerNorm',
};

/** Everything BERT checkpoints do differently from the module tree, in one place. */
export const BERT_CHECKPOINT: CheckpointSpec = {
  basePrefix: 'bert.',
  // The LM heads have no pooler (HF: `_keys_to_ignore_on_load_unexpected = [r"pooler"]`); models with one use these keys.
  ignore: [/position_ids$/, /^(bert\.)?pooler\./],
  renames: LEGACY_LAYER_NORM_RENAMES,
};

/** Word + position + token-type embeddings, then LayerNorm. */
export class BertEmbeddings extends Module {
  readonly wordEmbeddings: Embedding;
  private readonly positionEmbeddings: Embedding;
  private readonly tokenTypeEmbeddings: Embedding;
  private readonly norm: LayerNorm;
  private readonly dropoutRate: number;

  constructor(c: BertConfig) {
    super();
    this.wordEmbeddings = this.child('word_embeddings', new Embedding(c.vocabSize, c.hiddenSize));
    this.positionEmbeddings = this.child('position_embeddings', new Embedding(c.maxPositionEmbeddings, c.hiddenSize));
    this.tokenTypeEmbeddings = this.child('token_type_embeddings', new Embedding(c.typeVocabSize, c.hiddenSize));
    this.norm = this.child('LayerNorm', new LayerNorm(c.hiddenSize, c.layerNormEps));
    this.dropoutRate = c.hiddenDropoutProb;
  }

  forward(ops: Ops, inputIds: Tensor, tokenTypeIds: Tensor | undefined, training?: TrainingMode): Tensor {
    let x = this.wordEmbeddings.forward(ops, inputIds); // (B, T, H)
    x = ops.add(x, this.positionEmbeddings.forward(ops, ops.range(inputIds, 1))); // + (T, H)
    const types = tokenTypeIds ?? ops.mul(inputIds, ops.scalar(0, 'int32')); // HF default: all type 0
    x = ops.add(x, this.tokenTypeEmbeddings.forward(ops, types));
    return dropout(ops, this.norm.forward(ops, x), this.dropoutRate, training);
  }
}

export interface BertInputs {
  readonly inputIds: IdsLike;
  /** 1 = attend, 0 = padding; defaults to all ones. */
  readonly attentionMask?: IdsLike;
  /** Segment ids (0 for sentence A, 1 for B); default all 0. */
  readonly tokenTypeIds?: IdsLike;
  /** Also return the embeddings output and every layer's output (HF's `output_hidden_states`). */
  readonly outputHiddenStates?: boolean;
  /** Also return every layer's attention probabilities [B, heads, T, T] (HF's `output_attentions`). */
  readonly outputAttentions?: boolean;
}

export interface BertModelOutput {
  readonly lastHiddenState: HostTensor<'float32'>; // (B, T, H)
  readonly poolerOutput?: HostTensor<'float32'>; // (B, H)
  readonly hiddenStates?: HostTensor<'float32'>[]; // L+1 × (B, T, H)
  readonly attentions?: HostTensor<'float32'>[]; // L × (B, heads, T, T)
}

/** The BERT encoder: embeddings, post-LN bidirectional blocks, and an optional tanh pooler over [CLS]. */
export class BertModel extends PreTrainedModel {
  static readonly modelName = 'BertModel';
  protected readonly checkpointSpec = BERT_CHECKPOINT;
  readonly embeddings: BertEmbeddings;
  readonly encoder: ModuleList<TransformerBlock>;
  readonly pooler?: Linear;

  constructor(readonly config: BertConfig, options?: { backend?: Backend; addPoolingLayer?: boolean }) {
    super();
    const c = config;
    this.embeddings = this.child('embeddings', new BertEmbeddings(c));
    const block = () =>
      new TransformerBlock({
        hiddenSize: c.hiddenSize,
        numHeads: c.numAttentionHeads,
        intermediateSize: c.intermediateSize,
        activation: c.hiddenAct,
        layerNormEps: c.layerNormEps,
        norm: 'post',
        causal: c.isDecoder,
        layout: 'outIn',
        names: BERT_BLOCK_NAMES,
        hiddenDropout: c.hiddenDropoutProb,
        attentionDropout: c.attentionProbsDropoutProb,
      });
    this.encoder = this.child('encoder.layer', new ModuleList(Array.from({ length: c.numHiddenLayers }, block)));
    if (options?.addPoolingLayer ?? true) this.pooler = this.child('pooler.dense', new Linear(c.hiddenSize, c.hiddenSize));
    if (options?.backend) this.attach(options.backend);
  }

  /** `addPoolingLayer: false` (HF's `add_pooling_layer`) loads a checkpoint without a pooler, e.g. a masked-LM one. */
  static async fromPretrained(dir: string | URL, options: FromPretrainedOptions & { readonly addPoolingLayer?: boolean }): Promise<BertModel> {
    const addPoolingLayer = checkBoolean(options?.addPoolingLayer ?? true, 'addPoolingLayer', 'BertModel.fromPretrained');
    return loadBert(dir, options, (config) => new BertModel(config, { backend: options.backend, addPoolingLayer }), ['addPoolingLayer']);
  }

  /** ids [B, T] → hidden states, each (B, T, H): the embeddings output, then every layer's. */
  encode(ops: Ops, inputIds: Tensor, attentionMask?: Tensor, tokenTypeIds?: Tensor): Tensor[] {
    return this.encodeLayers(ops, { inputIds, attentionMask, tokenTypeIds }, false).states;
  }

  /**
   * `encode`, and with `outputAttentions` each layer's attention probabilities (B, heads, T, T) (decomposed
   * attention for this call). Dropout only with `training`.
   */
  encodeLayers(
    ops: Ops,
    x: { inputIds: Tensor; attentionMask?: Tensor; tokenTypeIds?: Tensor },
    outputAttentions: boolean,
    training?: TrainingMode,
  ): BackboneStates {
    let hidden = this.embeddings.forward(ops, x.inputIds, x.tokenTypeIds, training);
    const mask = x.attentionMask && ops.paddingMask(ops.cast(x.attentionMask, 'float32')); // (B, 1, 1, T)
    const states = [hidden];
    const attentions: Tensor[] = [];
    for (const layer of this.encoder.items) {
      const out = layer.forward(ops, hidden, { mask, outputAttentions, training });
      hidden = out.hidden;
      states.push(hidden);
      if (out.attention) attentions.push(out.attention);
    }
    return { states, attentions };
  }

  /** tanh(dense(h[:, 0])): (B, T, H) → (B, H). */
  pool(ops: Ops, hidden: Tensor): Tensor {
    if (!this.pooler) throw new UnsupportedError('this BertModel was built without a pooler');
    const first = ops.reshape(ops.slice(hidden, 1, 0, 1), [0, -1]); // (B, H)
    return ops.tanh(this.pooler.forward(ops, first));
  }

  override exportSpec(): ExportSpec {
    const H = this.config.hiddenSize;
    const outputs = {
      last_hidden_state: ['batch_size', 'sequence_length', H],
      ...(this.pooler ? { pooler_output: ['batch_size', H] } : {}),
    };
    return bertExport(this, outputs, (ops, x) => {
      const last = this.encode(ops, x.input_ids!, x.attention_mask, x.token_type_ids).at(-1)!;
      return { last_hidden_state: last, ...(this.pooler ? { pooler_output: this.pool(ops, last) } : {}) };
    });
  }

  async forward(inputs: BertInputs): Promise<BertModelOutput> {
    const where = 'BertModel.forward';
    const feeds = bertFeeds(this.config, inputs, [], where);
    const flags = checkLayerOutputFlags(inputs, where);
    const out = await this.runProgram(programKey(feeds, flags), feeds, (ops, x): Record<string, Tensor> => {
      const backbone = this.encodeLayers(ops, encoderInputs(x), flags.allAttentions);
      const last = backbone.states.at(-1)!;
      return {
        last_hidden_state: last,
        ...(this.pooler ? { pooler_output: this.pool(ops, last) } : {}),
        ...layerOutputs(backbone, flags),
      };
    });
    return {
      lastHiddenState: out.last_hidden_state as HostTensor<'float32'>,
      poolerOutput: out.pooler_output as HostTensor<'float32'> | undefined,
      ...collectLayerOutputs(out, this.config.numHiddenLayers),
    };
  }
}

/** Optimum's layout for a BERT export: int64 input_ids, attention_mask, token_type_ids [batch_size, sequence_length]. */
export function bertExport(
  owner: object,
  outputs: Record<string, readonly (number | string)[]>,
  build: ExportSpec['program']['build'],
): ExportSpec {
  const dims = ['batch_size', 'sequence_length'];
  const spec = { dtype: 'int32', shape: dims } as const;
  return {
    program: { owner, key: `export:${Object.keys(outputs).join(',')}`, build },
    inputs: { input_ids: spec, attention_mask: spec, token_type_ids: spec },
    outputs,
  };
}

/** A program's graph inputs under `encodeLayers`' names. */
export function encoderInputs(x: Record<string, Tensor>): { inputIds: Tensor; attentionMask?: Tensor; tokenTypeIds?: Tensor } {
  return { inputIds: x.input_ids!, attentionMask: x.attention_mask, tokenTypeIds: x.token_type_ids };
}

/** Graph engines compile one session per distinct set of inputs and outputs. */
export function programKey(feeds: Record<string, HostTensor>, flags: LayerOutputFlags, head = ''): string {
  return `forward${head}:${Object.keys(feeds).sort().join(',')}:${layerOutputsKey(flags)}`;
}

/** Validates BERT inputs on the host and returns the feeds (`labelFields` are extra inputs already checked by the caller). */
export function bertFeeds(
  config: BertConfig,
  inputs: BertInputs,
  labelFields: readonly string[],
  where: string,
): Record<string, HostTensor> {
  checkInputs(inputs, ['inputIds', 'attentionMask', 'tokenTypeIds', 'outputHiddenStates', 'outputAttentions', ...labelFields], where);
  checkLayerOutputFlags(inputs, where);
  const inputIds = idsFeed(inputs.inputIds, config.vocabSize, config.maxPositionEmbeddings);
  const feeds: Record<string, HostTensor> = { input_ids: inputIds };
  if (inputs.attentionMask !== undefined) feeds.attention_mask = tokenFeed(inputs.attentionMask, inputIds, 'attention_mask', 2);
  if (inputs.tokenTypeIds !== undefined) {
    feeds.token_type_ids = tokenFeed(inputs.tokenTypeIds, inputIds, 'token_type_ids', config.typeVocabSize);
  }
  return feeds;
}

export function loadBert<M extends PreTrainedModel>(
  dir: string | URL,
  options: FromPretrainedOptions,
  create: (config: BertConfig) => M,
  extraOptions: readonly string[] = [],
): Promise<M> {
  return loadPretrained(dir, options, bertConfigFromJSON, create, extraOptions);
}
