/**
 * GPT-2's decoding session: the KV cache and the attention mask so far live in the engine (an
 * `EngineState`); a step sends the new ids, their mask column and positions, and gets back only the
 * last position's logits.
 */
import {
  type DecoderSession,
  type EngineState,
  type ExportSpec,
  type TensorSpec,
  type HostTensor,
  InputError,
  type KeyValue,
  type Ops,
  type Program,
  type Tensor,
  hostTensor,
  recomputingSession,
} from '@attnjs/core';
import { checkRange } from '@attnjs/core/internal';
import {
  PAST_MASK,
  cacheSlots,
  cachedProgram,
  inertPast,
  ignoredTargets,
  indexRange,
  pastKey,
  pastValue,
  presentKey,
  presentValue,
  statelessProgram,
} from './lm-graph.js';
import type { GPT2LMHeadModel } from './modeling.js';

/** Beam search: row i of every slot becomes old row source_rows[i], gathered in the engine. */
function reorderProgram(model: GPT2LMHeadModel): Program {
  const slots = [PAST_MASK, ...cacheSlots(model.config.nLayer)];
  return {
    owner: model,
    key: 'decode:reorder',
    stateInputs: slots,
    stateOutputs: Object.fromEntries(slots.map((s) => [`reordered.${s}`, s])),
    build: (ops, x) => Object.fromEntries(slots.map((s) => [`reordered.${s}`, ops.gather(x[s]!, x.source_rows!)])),
  };
}

/** Per-model programs, built once. */
const programs = new WeakMap<GPT2LMHeadModel, { cached: Program; full: Program; reorder: Program }>();
function programsOf(model: GPT2LMHeadModel) {
  let p = programs.get(model);
  if (!p) {
    p = { cached: cachedProgram(model), full: statelessProgram(model), reorder: reorderProgram(model) };
    programs.set(model, p);
  }
  return p;
}

/**
 * Positions of the last `t` columns of a [rows, n] mask: the count of real tokens before each, as HF
 * derives position ids for left-padded batches (padding positions get 1, as HF's masked_fill does).
 */
export function positionsFromMask(mask: HostTensor<'int32'>, t: number): HostTensor<'int32'> {
  const [rows, n] = mask.shape as [number, number];
  const out = new Int32Array(rows * t);
  for (let r = 0; r < rows; r++) {
    let seen = 0;
    for (let c = 0; c < n; c++) {
      const real = mask.data[r * n + c]!;
      if (c >= n - t) out[r * t + c - (n - t)] = real ? seen : 1;
      seen += real;
    }
  }
  return hostTensor(out, [rows, t]);
}

/** Columns [from, to) of a [rows, n] int32 tensor. */
function columns(x: HostTensor<'int32'>, from: number, to: number): HostTensor<'int32'> {
  const [rows, n] = x.shape as [number, number];
  const out = new Int32Array(rows * (to - from));
  for (let r = 0; r < rows; r++) out.set(x.data.subarray(r * n + from, r * n + to), r * (to - from));
  return hostTensor(out, [rows, to - from]);
}

/** GPT-2's cached decoding session: the past and its mask live in an engine state. */
export class GPT2DecoderSession implements DecoderSession {
  private state?: EngineState;
  /** Positions fed so far. */
  private length = 0;

  constructor(private readonly model: GPT2LMHeadModel, readonly rows: number) {
    if (!Number.isInteger(rows) || rows < 1) throw new InputError(`a decoding session needs at least one row, got ${rows}`);
    const state = model.backend.createState();
    try {
      for (const [slot, inert] of Object.entries(inertPast(model, rows))) state.write(slot, inert);
    } catch (error) {
      state.dispose();
      throw error;
    }
    this.state = state;
  }

  async step(inputIds: HostTensor<'int32'>, attentionMask: HostTensor<'int32'>): Promise<HostTensor<'float32'>> {
    const state = this.live();
    const t = inputIds.shape[1]!;
    const total = this.length + t;
    if (inputIds.shape.length !== 2 || inputIds.shape[0] !== this.rows || t < 1) {
      throw new InputError(`decoding step: input_ids must be [${this.rows}, t ≥ 1], got [${inputIds.shape.join(', ')}]`);
    }
    if (attentionMask.shape.length !== 2 || attentionMask.shape[0] !== this.rows || attentionMask.shape[1] !== total) {
      throw new InputError(`decoding step: attention_mask must be [${this.rows}, ${total}], got [${attentionMask.shape.join(', ')}]`);
    }
    checkDecodable(this.model, inputIds, total);
    const feeds = {
      input_ids: inputIds,
      attention_mask: columns(attentionMask, this.length, total), // the earlier columns are in the state
      position_ids: positionsFromMask(attentionMask, t),
      targets: ignoredTargets(this.rows, 1),
      logits_index: indexRange(t - 1, 1),
    };
    const { logits } = await this.model.backend.run(programsOf(this.model).cached, feeds, { state, outputs: ['logits'] });
    this.length = total;
    return hostTensor(logits!.data as Float32Array, [this.rows, logits!.shape[2]!]); // (rows, 1, V) → (rows, V)
  }

  async reorder(sourceRows: Int32Array): Promise<void> {
    const state = this.live();
    if (sourceRows.length !== this.rows || sourceRows.some((r) => r < 0 || r >= this.rows)) {
      throw new InputError(`reorder: sourceRows must be ${this.rows} row indices in [0, ${this.rows})`);
    }
    await this.model.backend.run(programsOf(this.model).reorder, { source_rows: hostTensor(Int32Array.from(sourceRows), [this.rows]) }, { state });
  }

  dispose(): void {
    this.state?.dispose();
    this.state = undefined;
  }

  private live(): EngineState {
    if (!this.state) throw new InputError('this decoding session has been disposed');
    return this.state;
  }
}

/** Ids inside the vocabulary and a sequence inside the position table, before the engine sees them. */
function checkDecodable(model: GPT2LMHeadModel, ids: HostTensor<'int32'>, total: number): void {
  if (total > model.config.nPositions) {
    throw new InputError(`decoding step: ${total} positions exceed the model's position table (n_positions = ${model.config.nPositions})`);
  }
  checkRange(ids, model.config.vocabSize, 'input_ids');
}

/**
 * A session without a cache (`useCache: false`): core's recomputing session over the same graph, fed the
 * whole sequence each step with an inert past, asking for the last position's logits only.
 */
export function uncachedSession(model: GPT2LMHeadModel, rows: number): DecoderSession {
  return recomputingSession(rows, async (ids, mask) => {
    const length = ids.shape[1]!;
    checkDecodable(model, ids, length);
    const feeds = {
      ...inertPast(model, rows),
      input_ids: ids,
      attention_mask: mask,
      position_ids: positionsFromMask(mask, length),
      targets: ignoredTargets(rows, 1),
      logits_index: indexRange(length - 1, 1),
    };
    const { logits } = await model.backend.run(programsOf(model).full, feeds, { outputs: ['logits'] });
    return logits as HostTensor<'float32'>; // (rows, 1, V)
  });
}

/**
 * The decoder as Optimum exports GPT-2 for text-generation-with-past (and transformers.js loads it):
 * input_ids, attention_mask over past + new positions, position_ids, past_key_values.{i}.key/.value →
 * logits, present.{i}.key/.value. The past may be empty (length 0), so one graph serves prefill and decode.
 */
export function decoderExportSpec(model: GPT2LMHeadModel): ExportSpec {
  const { nLayer, nHead, nEmbd, vocabSize } = model.config;
  const headDim = nEmbd / nHead;
  const past = ['batch_size', nHead, 'past_sequence_length', headDim];
  const present = ['batch_size', nHead, 'past_sequence_length + sequence_length', headDim];
  const inputs: Record<string, TensorSpec> = {
    input_ids: { dtype: 'int32', shape: ['batch_size', 'sequence_length'] },
    attention_mask: { dtype: 'int32', shape: ['batch_size', 'past_sequence_length + sequence_length'] },
    position_ids: { dtype: 'int32', shape: ['batch_size', 'sequence_length'] },
  };
  const outputs: Record<string, (number | string)[]> = { logits: ['batch_size', 'sequence_length', vocabSize] };
  for (let i = 0; i < nLayer; i++) {
    inputs[pastKey(i)] = { dtype: 'float32', shape: past };
    inputs[pastValue(i)] = { dtype: 'float32', shape: past };
    outputs[presentKey(i)] = present;
    outputs[presentValue(i)] = present;
  }
  const build = (ops: Ops, x: Record<string, Tensor>) => {
    const pastKV: KeyValue[] = Array.from({ length: nLayer }, (_, i) => ({ key: x[pastKey(i)]!, value: x[pastValue(i)]! }));
    const { states, presents } = model.transformer.decode(ops, x.input_ids!, { attentionMask: x.attention_mask, positionIds: x.position_ids, past: pastKV });
    const out: Record<string, Tensor> = { logits: model.lmHead(ops, states.at(-1)!) }; // (B, T, V)
    presents.forEach(({ key, value }, i) => {
      out[presentKey(i)] = key;
      out[presentValue(i)] = value;
    });
    return out;
  };
  return { program: { owner: model, key: 'export:decoder-with-past', build }, inputs, outputs };
}
