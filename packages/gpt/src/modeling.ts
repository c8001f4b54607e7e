import {
  type BlockNames,
  type BoundProgram,
  type CheckpointSpec,
  Embedding,
  type ExportSpec,
  type FromPretrainedOptions,
  type HostTensor,
  type IdsLike,
  LayerNorm,
  ModuleList,
  type Ops,
  PreTrainedModel,
  type Tensor,
  TransformerBlock,
  causalLMLoss,
  IGNORE_INDEX,
  loadPretrained,
} from '@attnjs/core';
import {
  checkLength,
  checkOptions,
  idsFeed,
  tokenFeed,
  checkRange,
  toIds,
} from '@attnjs/core/internal';
import { type GPT2Config, gpt2ConfigFromJSON } from './config.js';

/** GPT-2's checkpoint names for the parts of a core TransformerBlock (Conv1D weights are [in, out]). */
const GPT2_BLOCK_NAMES: BlockNames = {
  attention: { qkv: 'attn.c_attn', output: 'attn.c_proj' },
  attentionNorm: 'ln_1',
  feedForward: { up: 'mlp.c_fc', down: 'mlp.c_proj' },
  feedForwardNorm: 'ln_2',
};

/** Everything GPT-2 checkpoints do differently from the module tree, in one place. */
const GPT2_CHECKPOINT: CheckpointSpec = {
  basePrefix: 'transformer.',
  ignore: [/\.attn\.bias$/, /\.attn\.masked_bias$/],
};

export interface GPT2Inputs {
  readonly inputIds: IdsLike;
  /** 1 = attend, 0 = padding; defaults to all ones. */
  readonly attentionMask?: IdsLike;
  /** Causal-LM targets, unshifted (the shift happens inside); −100 is ignored. */
  readonly labels?: IdsLike;
  /** Also return the embeddings output and every block's output (the last after ln_f), as HF does. */
  readonly outputHiddenStates?: boolean;
}

/** What `GPT2Model.forward` returns. */
export interface GPT2Output {
  readonly lastHiddenState: HostTensor<'float32'>; // (B, T, d)
  readonly hiddenStates?: HostTensor<'float32'>[]; // L+1 × (B, T, d)
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

const FORWARD_OPTIONS = ['inputIds', 'attentionMask', 'labels', 'outputHiddenStates'];

/** The GPT-2 transformer: token + learned position embeddings, pre-LN blocks, final LayerNorm. */
export class GPT2Model extends PreTrainedModel {
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
    const positions = ops.range(inputIds, 1); // (T)
    let x = ops.add(this.wte.forward(ops, inputIds), this.wpe.forward(ops, positions)); // (B, T, d)
    const mask = attentionMask && ops.paddingMask(ops.cast(attentionMask, 'float32')); // (B, 1, 1, T)
    const states = [x];
    for (const block of this.h.items) {
      x = block.forward(ops, x, { mask }).hidden;
      states.push(x);
    }
    states[states.length - 1] = this.ln_f.forward(ops, x);
    return states;
  }

  async forward(inputs: GPT2Inputs): Promise<GPT2Output> {
    return runGPT2(this, this.forwardProgram(inputs), inputs);
  }

  /** The program `forward` runs, with its checked inputs (e.g. for `valueAndGrads` on a training engine). */
  forwardProgram(inputs: GPT2Inputs): BoundProgram {
    return gpt2Program(this, inputs);
  }

  override exportSpec(): ExportSpec {
    return textExport(this, 'last_hidden_state', this.config.nEmbd, (ops, x) => ({
      last_hidden_state: this.transform(ops, x.input_ids!, x.attention_mask).at(-1)!,
    }));
  }
}

/** GPT-2 with the language-modelling head, whose weight is tied to the token embedding. */
export class GPT2LMHeadModel extends PreTrainedModel {
  protected readonly checkpointSpec = GPT2_CHECKPOINT;
  readonly transformer: GPT2Model;

  constructor(readonly config: GPT2Config, options?: FromPretrainedOptions) {
    super();
    this.transformer = this.child('transformer', new GPT2Model(config));
    this.alias('lm_head.weight', this.transformer.wte.weight);
    if (options) this.attach(options.backend);
  }

  static async fromPretrained(dir: string | URL, options: FromPretrainedOptions): Promise<GPT2LMHeadModel> {
    return loadGPT2(dir, options, (config) => new GPT2LMHeadModel(config, options));
  }

  /** hidden (B, T, d) → logits (B, T, V) = hidden · wteᵀ. */
  lmHead(ops: Ops, hidden: Tensor): Tensor {
    return ops.matmul(hidden, ops.param(this.transformer.wte.weight), false, true);
  }

  /** With `labels`, the result's `loss` is a number (the overloads let `tsc --strict` know). */
  forward(inputs: GPT2Inputs & { readonly labels: IdsLike }): Promise<GPT2LMHeadOutput & { readonly loss: number }>;
  forward(inputs: GPT2Inputs): Promise<GPT2LMHeadOutput>;
  async forward(inputs: GPT2Inputs): Promise<GPT2LMHeadOutput> {
    return runGPT2(this, this.forwardProgram(inputs), inputs) as Promise<GPT2LMHeadOutput>;
  }

  /** The program `forward` runs, with its checked inputs; it outputs `loss` when labels are given. */
  forwardProgram(inputs: GPT2Inputs): BoundProgram {
    return gpt2Program(this, inputs);
  }

  override exportSpec(): ExportSpec {
    return textExport(this, 'logits', this.config.vocabSize, (ops, x) => ({
      logits: this.lmHead(ops, this.transformer.transform(ops, x.input_ids!, x.attention_mask).at(-1)!),
    }));
  }

  /**
   * Greedy decoding without a KV cache: each step recomputes the whole sequence. `inputIds` is one
   * prompt or a batch of equal-length prompts; returns the prompts followed by the new tokens.
   */
  async generate(inputIds: IdsLike, options: { maxNewTokens: number; eosTokenId?: number }): Promise<number[][]> {
    checkOptions(options, ['maxNewTokens', 'eosTokenId'], 'GPT2LMHeadModel.generate');
    const { maxNewTokens, eosTokenId } = options;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 0) {
      throw new RangeError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
    }
    const ids = toIds(inputIds, 'inputIds');
    const rows = Array.from({ length: ids.shape[0]! }, (_, b) =>
      Array.from(ids.data.subarray(b * ids.shape[1]!, (b + 1) * ids.shape[1]!)),
    );
    const done = rows.map(() => false);
    for (let step = 0; step < maxNewTokens && !done.every(Boolean); step++) {
      const current = toIds(rows, 'inputIds');
      checkRange(current, this.config.vocabSize, 'input_ids');
      checkLength(current, this.config.nPositions);
      const { next } = await this.runProgram('greedy-next', { input_ids: current }, (ops, x) => {
        const [hidden] = this.transformer.transform(ops, x.input_ids).slice(-1);
        const last = ops.slice(hidden!, 1, -1); // (B, 1, d): only the last position is needed
        return { next: ops.argmax(this.lmHead(ops, last), -1) }; // (B, 1)
      });
      rows.forEach((row, b) => {
        if (done[b]) return row.push(eosTokenId!);
        const token = next.data[b]!;
        row.push(token);
        if (token === eosTokenId) done[b] = true;
      });
    }
    return rows;
  }
}

function loadGPT2<M extends PreTrainedModel>(
  dir: string | URL,
  options: FromPretrainedOptions,
  create: (config: GPT2Config) => M,
): Promise<M> {
  return loadPretrained(dir, options, gpt2ConfigFromJSON, create);
}

/** Validates inputs on the host (cheap, and engines would fail obscurely) and builds the forward program. */
function gpt2Program(model: GPT2Model | GPT2LMHeadModel, inputs: GPT2Inputs): BoundProgram {
  const withHead = model instanceof GPT2LMHeadModel;
  checkOptions(inputs, FORWARD_OPTIONS, `${model.constructor.name}.forward`);
  const config = model.config;
  const inputIds = idsFeed(inputs.inputIds, config.vocabSize, config.nPositions);
  const feeds: Record<string, HostTensor> = { input_ids: inputIds };
  if (inputs.attentionMask !== undefined) feeds.attention_mask = tokenFeed(inputs.attentionMask, inputIds, 'attention_mask', 2);
  if (inputs.labels !== undefined) {
    if (!withHead) throw new TypeError('GPT2Model has no LM head: pass labels to GPT2LMHeadModel');
    feeds.labels = tokenFeed(inputs.labels, inputIds, 'labels', config.vocabSize, [IGNORE_INDEX]);
  }
  const allStates = inputs.outputHiddenStates === true;
  const key = `forward:${Object.keys(feeds).join(',')}:${allStates ? 'states' : 'last'}`;
  const transformer = model instanceof GPT2LMHeadModel ? model.transformer : model;
  const build = (ops: Ops, x: Record<string, Tensor>) => {
    const states = transformer.transform(ops, x.input_ids!, x.attention_mask);
    const last = states[states.length - 1]!;
    const outputs: Record<string, Tensor> = { last_hidden_state: last };
    if (allStates) states.forEach((s, i) => (outputs[`hidden_states.${i}`] = s));
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
  inputs: GPT2Inputs,
): Promise<GPT2Output & Partial<GPT2LMHeadOutput>> {
  const out = await model.backend.run(bound.program, bound.inputs);
  const allStates = inputs.outputHiddenStates === true;
  return {
    lastHiddenState: out.last_hidden_state as HostTensor<'float32'>,
    hiddenStates: allStates
      ? Array.from({ length: model.config.nLayer + 1 }, (_, i) => out[`hidden_states.${i}`] as HostTensor<'float32'>)
      : undefined,
    logits: out.logits as HostTensor<'float32'> | undefined,
    loss: out.loss ? out.loss.data[0] : undefined,
  };
}
