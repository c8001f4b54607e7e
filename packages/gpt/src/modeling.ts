import {
  type BackboneStates,
  type BlockNames,
  checkLayerOutputFlags,
  collectLayerOutputs,
  layerOutputs,
  layerOutputsKey,
  type BoundProgram,
  type CheckpointSpec,
  Embedding,
  type ExportSpec,
  type FromPretrainedOptions,
  type HostTensor,
  type IdsLike,
  type KeyValue,
  LayerNorm,
  ModuleList,
  type Ops,
  PreTrainedModel,
  type Tensor,
  TransformerBlock,
  causalLMLoss,
  IGNORE_INDEX,
  InputError,
  UnsupportedError,
  loadPretrained,
  readGenerationConfig,
  type CausalLM,
  type ForwardProgramOptions,
  TrainingMode,
  dropout,
  type DecoderSession,
  type GenerateOptions,
  type GenerateOutput,
  type GenerationChunk,
  type PromptIds,
  generate,
  generateStream,
  GenerationConfigError,
} from '@attnjs/core';
import {
  checkLength,
  checkBoolean,
  checkInputs,
  checkOptions,
  describeValue,
  idsFeed,
  tokenFeed,
  checkRange,
  toIds,
} from '@attnjs/core/internal';
import { type GPT2Config, gpt2ConfigFromJSON } from './config.js';
import { GPT2DecoderSession, decoderExportSpec, uncachedSession } from './decoder.js';
import { forwardFeeds, statelessProgram } from './lm-graph.js';

/** GPT-2's checkpoint names for the parts of a core TransformerBlock (Conv1D weights are [in, out]). */
const GPT2_BLOCK_NAMES: BlockNames = {
  attention: { qkv: 'attn.c_attn', output: 'attn.c_proj' },
  attentionNorm: 'ln_1',
  feedForward: { up: 'mlp.c_fc', down: 'mlp.c_proj' },
  feedForwardNorm: 'ln_2',
};

/** Everything GPT-2 checkpoints do differently from the module tree, in one place. */
export const GPT2_CHECKPOINT: CheckpointSpec = {
  basePrefix: 'transformer.',
  ignore: [/\.attn\.bias$/, /\.attn\.masked_bias$/],
};

/** What `GPT2Model.decode` takes besides the new ids. */
export interface DecodeInput {
  readonly attentionMask?: Tensor;
  readonly positionIds?: Tensor;
  readonly past?: readonly KeyValue[];
  /**
   * With `past`, for a cache that grows in the engine: the mask over the past positions alone [B, Tpast];
   * `attentionMask` then covers only the new positions, and `presents` hold only the new keys/values.
   */
  readonly pastAttentionMask?: Tensor;
  /** Also return each block's attention probabilities (decomposed attention for this call). */
  readonly outputAttentions?: boolean;
  /** Training mode: dropout from the config (embd_pdrop, attn_pdrop, resid_pdrop). */
  readonly training?: TrainingMode;
}

export interface GPT2Inputs {
  readonly inputIds: IdsLike;
  /** 1 = attend, 0 = padding; defaults to all ones. */
  readonly attentionMask?: IdsLike;
  /** Causal-LM targets, unshifted (the shift happens inside); −100 is ignored. */
  readonly labels?: IdsLike;
  /** Also return the embeddings output and every block's output (the last after ln_f), as HF does. */
  readonly outputHiddenStates?: boolean;
  /** Also return every block's attention probabilities [B, heads, T, T], as HF's `output_attentions`. */
  readonly outputAttentions?: boolean;
}

/** What `GPT2Model.forward` returns. */
export interface GPT2Output {
  readonly lastHiddenState: HostTensor<'float32'>; // (B, T, d)
  readonly hiddenStates?: HostTensor<'float32'>[]; // L+1 × (B, T, d)
  readonly attentions?: HostTensor<'float32'>[]; // L × (B, heads, T, T)
}

/** What `GPT2LMHeadModel.forward` returns: always `logits`; `loss` when `labels` were given. */
export interface GPT2LMHeadOutput extends GPT2Output {
  readonly logits: HostTensor<'float32'>; // (B, T, V)
  readonly loss?: number;
}

/** Optimum's layout for a decoder export without past: int64 ids and mask [batch_size, sequence_length]. */
function textExport(owner: object, output: string, width: number, build: ExportSpec['program']['build']): ExportSpec {
  const dims = ['batch_size', 'sequence_length'];
  return {
    program: { owner, key: `export:${output}`, build },
    inputs: { input_ids: { dtype: 'int32', shape: dims }, attention_mask: { dtype: 'int32', shape: dims } },
    outputs: { [output]: [...dims, width] },
  };
}

const FORWARD_OPTIONS = ['inputIds', 'attentionMask', 'labels', 'outputHiddenStates', 'outputAttentions'];

/** The GPT-2 transformer: token + learned position embeddings, pre-LN blocks, final LayerNorm. */
export class GPT2Model extends PreTrainedModel {
  static readonly modelName = 'GPT2Model';
  protected readonly checkpointSpec = GPT2_CHECKPOINT;
  readonly wte: Embedding;
  readonly wpe: Embedding;
  readonly h: ModuleList<TransformerBlock>;
  readonly ln_f: LayerNorm;

  constructor(readonly config: GPT2Config, options?: FromPretrainedOptions) {
    super();
    const c = config;
    this.wte = this.child('wte', new Embedding(c.vocabSize, c.nEmbd));
    this.wpe = this.child('wpe', new Embedding(c.nPositions, c.nEmbd));
    const block = () =>
      new TransformerBlock({
        hiddenSize: c.nEmbd,
        numHeads: c.nHead,
        intermediateSize: c.nInner,
        activation: c.activation,
        layerNormEps: c.layerNormEpsilon,
        norm: 'pre',
        causal: true,
        layout: 'inOut',
        names: GPT2_BLOCK_NAMES,
        hiddenDropout: c.residPdrop,
        attentionDropout: c.attnPdrop,
      });
    this.h = this.child('h', new ModuleList(Array.from({ length: c.nLayer }, block)));
    this.ln_f = this.child('ln_f', new LayerNorm(c.nEmbd, c.layerNormEpsilon));
    if (options) this.attach(options.backend);
  }

  static async fromPretrained(dir: string | URL, options: FromPretrainedOptions): Promise<GPT2Model> {
    return loadGPT2(dir, options, (config) => new GPT2Model(config, options));
  }

  /** ids [B, T] (+ mask [B, T]) → hidden states, each (B, T, d); the last is after ln_f. */
  transform(ops: Ops, inputIds: Tensor, attentionMask?: Tensor): Tensor[] {
    return this.decode(ops, inputIds, { attentionMask }).states;
  }

  /**
   * The forward pass with a KV cache: ids [B, T] after `past` (one KeyValue per block, [B, h, Tpast, hs]),
   * the mask over past and new positions [B, Tpast + T], positions of the new ids [B, T] (default 0…T−1).
   * Returns the hidden states (B, T, d), each block's keys/values including `past` ([B, h, Tpast + T, hs];
   * only the new ones with `pastAttentionMask`) and, with `outputAttentions`, each block's attention
   * probabilities ([B, h, T, Tpast + T]).
   */
  decode(ops: Ops, inputIds: Tensor, input: DecodeInput = {}): BackboneStates & { presents: KeyValue[] } {
    const positions = input.positionIds ?? ops.range(inputIds, 1); // (B, T) or (T)
    let x = ops.add(this.wte.forward(ops, inputIds), this.wpe.forward(ops, positions)); // (B, T, d)
    x = dropout(ops, x, this.config.embdPdrop, input.training);
    const additive = (m: Tensor | undefined) => m && ops.paddingMask(ops.cast(m, 'float32'));
    const mask = additive(input.attentionMask); // (B, 1, 1, Tpast + T), or (B, 1, 1, T) with pastAttentionMask
    const pastMask = additive(input.pastAttentionMask); // (B, 1, 1, Tpast)
    const states = [x];
    const presents: KeyValue[] = [];
    const attentions: Tensor[] = [];
    this.h.items.forEach((block, i) => {
      const { hidden, present, attention } = block.forward(ops, x, {
        mask,
        past: input.past?.[i],
        pastMask,
        outputAttentions: input.outputAttentions,
        training: input.training,
      });
      x = hidden;
      states.push(x);
      presents.push(present);
      if (attention) attentions.push(attention);
    });
    states[states.length - 1] = this.ln_f.forward(ops, x);
    return { states, presents, attentions };
  }

  async forward(inputs: GPT2Inputs): Promise<GPT2Output> {
    return runGPT2(this, this.forwardProgram(inputs));
  }

  /** The program `forward` runs, with its checked inputs (e.g. for `valueAndGrads` on a training engine). */
  forwardProgram(inputs: GPT2Inputs, options?: ForwardProgramOptions): BoundProgram {
    return gpt2Program(this, inputs, options);
  }

  override exportSpec(): ExportSpec {
    return textExport(this, 'last_hidden_state', this.config.nEmbd, (ops, x) => ({
      last_hidden_state: this.transform(ops, x.input_ids!, x.attention_mask).at(-1)!,
    }));
  }
}

/** GPT-2 with the language-modelling head, whose weight is tied to the token embedding. */
export class GPT2LMHeadModel extends PreTrainedModel implements CausalLM {
  static readonly modelName = 'GPT2LMHeadModel';
  protected readonly checkpointSpec = GPT2_CHECKPOINT;
  readonly transformer: GPT2Model;

  constructor(readonly config: GPT2Config, options?: FromPretrainedOptions) {
    super();
    this.transformer = this.child('transformer', new GPT2Model(config));
    this.alias('lm_head.weight', this.transformer.wte.weight);
    if (options) this.attach(options.backend);
  }

  /** generation_config.json from the model folder, when it has one: `generate`'s defaults. */
  generationConfig?: Readonly<Record<string, unknown>>;

  static async fromPretrained(dir: string | URL, options: FromPretrainedOptions): Promise<GPT2LMHeadModel> {
    const model = await loadGPT2(dir, options, (config) => new GPT2LMHeadModel(config, options));
    try {
      // As Hugging Face's GenerationConfig.from_model_config: without the file, config.json's token ids.
      model.generationConfig = (await readGenerationConfig(dir)) ?? modelGenerationConfig(model.config);
    } catch (error) {
      model.dispose();
      throw error;
    }
    return model;
  }

  /** hidden (B, T, d) → logits (B, T, V) = hidden · wteᵀ. */
  lmHead(ops: Ops, hidden: Tensor): Tensor {
    return ops.matmul(hidden, ops.param(this.transformer.wte.weight), false, true);
  }

  /**
   * Logits (and the loss when labels are given). Runs the model's one inference graph (see lm-graph.ts),
   * which graph engines compile once for forward and decoding alike. With `labels`, the result's `loss`
   * is a number (the overloads let `tsc --strict` know).
   */
  forward(inputs: GPT2Inputs & { readonly labels: IdsLike }): Promise<GPT2LMHeadOutput & { readonly loss: number }>;
  forward(inputs: GPT2Inputs): Promise<GPT2LMHeadOutput>;
  async forward(inputs: GPT2Inputs): Promise<GPT2LMHeadOutput> {
    const bound = this.forwardProgram(inputs); // checks the inputs
    const wanted = ['logits', 'last_hidden_state'];
    if (bound.inputs.labels) wanted.push('loss');
    const nLayer = this.config.nLayer;
    if (inputs.outputHiddenStates === true) wanted.push(...Array.from({ length: nLayer + 1 }, (_, i) => `hidden_states.${i}`));
    const attentions = inputs.outputAttentions === true; // a variant of the graph under its own key (see lm-graph.ts)
    if (attentions) wanted.push(...Array.from({ length: nLayer }, (_, i) => `attentions.${i}`));
    const out = await this.backend.run(statelessProgram(this, attentions), forwardFeeds(this, bound.inputs), { outputs: wanted });
    return gpt2Output(this, out) as GPT2LMHeadOutput;
  }

  /**
   * The forward pass as a standalone, differentiable program with its checked inputs (e.g. for
   * `valueAndGrads` on a training engine); it outputs `loss` when labels are given.
   */
  forwardProgram(inputs: GPT2Inputs, options?: ForwardProgramOptions): BoundProgram {
    return gpt2Program(this, inputs, options);
  }

  /** The decoder with past inputs and present outputs, named as Optimum's text-generation-with-past export. */
  override exportSpec(): ExportSpec {
    return decoderExportSpec(this);
  }

  get vocabSize(): number {
    return this.config.vocabSize;
  }

  get maxPositions(): number {
    return this.config.nPositions;
  }

  /**
   * A decoding session over `rows` sequences whose KV cache stays in the engine (see `GPT2DecoderSession`);
   * with `useCache: false`, one that recomputes the whole sequence each step.
   */
  startSession(rows: number, options: { useCache: boolean } = { useCache: true }): DecoderSession {
    return options.useCache ? new GPT2DecoderSession(this, rows) : uncachedSession(this, rows);
  }

  /**
   * Decodes with the KV cache kept in the engine, with Hugging Face's `generate` options in camelCase
   * (greedy by default; sampling, beam search, logits processors, stop strings: see docs/generation.md).
   * Prompts may differ in length. Returns each prompt followed by its new tokens, or with
   * `returnDictInGenerate: true` the whole `GenerateOutput` (scores included when `outputScores`).
   */
  generate(inputIds: PromptIds, options: GenerateOptions & { readonly returnDictInGenerate: true }): Promise<GenerateOutput>;
  generate(inputIds: PromptIds, options?: GenerateOptions & { readonly returnDictInGenerate?: false }): Promise<number[][]>;
  async generate(inputIds: PromptIds, options: GenerateOptions & { readonly returnDictInGenerate?: boolean } = {}): Promise<number[][] | GenerateOutput> {
    const { returnDictInGenerate, ...given } = options ?? {};
    const asDict = checkBoolean(returnDictInGenerate, 'returnDictInGenerate', 'GPT2LMHeadModel.generate');
    const rest = withoutPerStepOutputs(given, 'GPT2LMHeadModel.generate');
    // generation_config.json may ask for them too; HF returns them only in the dict, so only then refuse.
    for (const field of ['output_attentions', 'output_hidden_states']) {
      if (asDict && this.generationConfig?.[field] === true) {
        throw new UnsupportedError(`GPT2LMHeadModel.generate: generation_config.json's ${field} is true, but per-step ${field.slice(7).replace('_', ' ')} are not collected during generation; run forward on the generated sequences instead`);
      }
    }
    if (rest.outputScores && !asDict) {
      throw new GenerationConfigError('outputScores needs returnDictInGenerate: true (the scores are returned beside the sequences)');
    }
    const out = await generate(this, inputIds, rest);
    return asDict ? out : out.sequences;
  }

  /** `generate` one step at a time: each row's new token (and text, with a tokenizer) per step. */
  generateStream(inputIds: PromptIds, options?: GenerateOptions): AsyncGenerator<GenerationChunk, GenerateOutput> {
    return generateStream(this, inputIds, withoutPerStepOutputs(options, 'GPT2LMHeadModel.generateStream'));
  }
}

/**
 * HF's generate can return each step's attentions and hidden states (`output_attentions`,
 * `output_hidden_states` with `return_dict_in_generate`); decoding here does not collect them, so
 * `true` is refused by name rather than ignored (`false`, HF's default, is accepted). `forward`
 * returns both.
 */
function withoutPerStepOutputs<T extends object | undefined>(options: T, where: string): T {
  if (options === undefined || options === null) return options;
  const { outputAttentions, outputHiddenStates, ...rest } = options as Record<string, unknown>;
  for (const [name, value] of [['outputAttentions', outputAttentions], ['outputHiddenStates', outputHiddenStates]] as const) {
    if (checkBoolean(value, name, where)) {
      throw new UnsupportedError(`${where}: ${name} is not supported during generation (per-step outputs are not collected); run forward with ${name}: true on the generated sequences instead`);
    }
  }
  return rest as T;
}

function modelGenerationConfig(config: GPT2Config): Readonly<Record<string, unknown>> {
  const ids = { bos_token_id: config.bosTokenId, eos_token_id: config.eosTokenId, pad_token_id: config.padTokenId };
  return Object.freeze(Object.fromEntries(Object.entries(ids).filter(([, v]) => v !== undefined)));
}

function loadGPT2<M extends PreTrainedModel>(
  dir: string | URL,
  options: FromPretrainedOptions,
  create: (config: GPT2Config) => M,
): Promise<M> {
  return loadPretrained(dir, options, gpt2ConfigFromJSON, create);
}

/** Validates inputs on the host (cheap, and engines would fail obscurely) and builds the forward program. */
function gpt2Program(model: GPT2Model | GPT2LMHeadModel, inputs: GPT2Inputs, options?: ForwardProgramOptions): BoundProgram {
  const withHead = model instanceof GPT2LMHeadModel;
  const where = `${model.modelName}.forward`;
  checkInputs(inputs, FORWARD_OPTIONS, where);
  const flags = checkLayerOutputFlags(inputs, where);
  const config = model.config;
  const inputIds = idsFeed(inputs.inputIds, config.vocabSize, config.nPositions);
  const feeds: Record<string, HostTensor> = { input_ids: inputIds };
  if (inputs.attentionMask !== undefined) feeds.attention_mask = tokenFeed(inputs.attentionMask, inputIds, 'attention_mask', 2);
  if (inputs.labels !== undefined) {
    if (!withHead) throw new UnsupportedError('GPT2Model has no LM head: pass labels to GPT2LMHeadModel');
    feeds.labels = tokenFeed(inputs.labels, inputIds, 'labels', config.vocabSize, [IGNORE_INDEX]);
  }
  const key = `forward:${Object.keys(feeds).join(',')}:${layerOutputsKey(flags)}${options?.training ? ':training' : ''}`;
  const transformer = model instanceof GPT2LMHeadModel ? model.transformer : model;
  const build = (ops: Ops, x: Record<string, Tensor>) => {
    const training = TrainingMode.from(options);
    const backbone = transformer.decode(ops, x.input_ids!, { attentionMask: x.attention_mask, outputAttentions: flags.allAttentions, training });
    const last = backbone.states.at(-1)!;
    const outputs: Record<string, Tensor> = { last_hidden_state: last, ...layerOutputs(backbone, flags) };
    if (model instanceof GPT2LMHeadModel) {
      outputs.logits = model.lmHead(ops, last);
      if (x.labels) outputs.loss = causalLMLoss(ops, outputs.logits, x.labels);
    }
    return outputs;
  };
  return { program: { owner: model, key, build }, inputs: feeds };
}

async function runGPT2(
  model: GPT2Model | GPT2LMHeadModel,
  bound: BoundProgram,
): Promise<GPT2Output & Partial<GPT2LMHeadOutput>> {
  return gpt2Output(model, await model.backend.run(bound.program, bound.inputs));
}

function gpt2Output(model: GPT2Model | GPT2LMHeadModel, out: Record<string, HostTensor>): GPT2Output & Partial<GPT2LMHeadOutput> {
  return {
    lastHiddenState: out.last_hidden_state as HostTensor<'float32'>,
    ...collectLayerOutputs(out, model.config.nLayer),
    logits: out.logits as HostTensor<'float32'> | undefined,
    loss: out.loss ? out.loss.data[0] : undefined,
  };
}
