import {
  type BoundProgram,
  type EngineState,
  type ForwardProgramOptions,
  type HostTensor,
  InputError,
  type Parameter,
  type PreTrainedModel,
  hostTensor,
  mixSeeds,
} from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import { clipCoefficient } from './clipping.js';
import { type Optimizer, optimizerParameters } from './optimizer.js';
import {
  type UpdateChunk,
  gradNormProgram,
  gradSlot,
  gradientProgram,
  momentSlot,
  readParametersProgram,
  updateChunks,
} from './programs.js';
import { runUpdateChunk } from './update-rows.js';

/** Parameters' elements per update program: 4M (16 MB of float32) keeps an AdamW update's temporaries small. */
const UPDATE_CHUNK_ELEMENTS = 4 * 1024 * 1024;
import { type EvalMetrics, type EvaluateOptions, evaluateModel } from './evaluation.js';
import { Random } from './random.js';
import { type Schedule, type ScheduleOptions, createSchedule } from './schedules.js';
import { type EvaluationProgress, type TrainOptions, runTraining } from './training-loop.js';

/**
 * A model the trainer can train: one whose forward program outputs a scalar `loss` when given labels,
 * and which applies its config's dropout when built with `{ training: { seed } }`.
 */
export type TrainableModel<B> = PreTrainedModel & { forwardProgram(inputs: B, options?: ForwardProgramOptions): BoundProgram };

export interface TrainerOptions<B> {
  readonly model: TrainableModel<B>;
  /** `new AdamW({ groups: decayGroups(model, 0.01) })`, or SGD. */
  readonly optimizer: Optimizer;
  /** Peak learning rate (Hugging Face `learning_rate`). */
  readonly learningRate: number;
  /** Warmup and decay; default: constant, no warmup. */
  readonly schedule?: ScheduleOptions;
  /** Clip the global gradient norm to this (Hugging Face `max_grad_norm`); default: no clipping. */
  readonly maxGradNorm?: number;
  /** Micro-batches per optimiser step, gradients summed in the engine and averaged; default 1. */
  readonly gradientAccumulationSteps?: number;
  /** Seeds `trainer.random` (collators, shuffling); saved and restored with checkpoints. Default 0. */
  readonly seed?: number;
  /** The model's config.json contents, written into checkpoints so the folder loads with `fromPretrained`. */
  readonly modelConfig?: Record<string, unknown>;
  /**
   * Parameters' elements per optimiser-update program (default 4M). An engine keeps an update's temporaries
   * until its program returns, ~15× the parameters' bytes for AdamW: smaller chunks, less peak memory.
   */
  readonly updateChunkElements?: number;
}

/** What one optimiser step measured (losses and norms are float32 values read from the engine). */
export interface StepRecord {
  /** 1-based optimiser step. */
  readonly step: number;
  /** Mean of the micro-batches' losses, before the update. */
  readonly loss: number;
  /** Global gradient norm before clipping (of the averaged gradient). */
  readonly gradNorm: number;
  readonly clipCoefficient: number;
  readonly learningRate: number;
}

const OPTIONS = ['model', 'optimizer', 'learningRate', 'schedule', 'maxGradNorm', 'gradientAccumulationSteps', 'seed', 'modelConfig', 'updateChunkElements'];

/**
 * Trains a model on its backend's engine: gradients and optimiser moments stay in one `EngineState`
 * between steps, parameters are updated in the engine, and only losses and norms reach the host.
 * Needs an engine with autodiff (tfjs); ONNX Runtime refuses the gradient program with `UnsupportedError`.
 */
export class Trainer<B> {
  readonly model: TrainableModel<B>;
  readonly optimizer: Optimizer;
  readonly options: TrainerOptions<B>;
  /** Draws for collators and shuffling; part of the checkpoint. */
  random: Random;
  /** The last evaluation `train` ran and early stopping's counts after it; part of the checkpoint. */
  evaluationProgress: EvaluationProgress = { step: 0 };
  private completedSteps = 0;
  private tokens = 0;
  private readonly schedule: Schedule;
  private readonly params: Parameter[];
  private readonly state: EngineState;
  private readonly scalarNames: string[];
  private readonly chunks: UpdateChunk[];
  private readonly chunkElements: number;

  constructor(options: TrainerOptions<B>) {
    checkOptions(options, OPTIONS, 'Trainer');
    const { model, optimizer, learningRate, maxGradNorm, gradientAccumulationSteps = 1, seed = 0 } = options;
    if (!(learningRate > 0) || !Number.isFinite(learningRate)) throw new InputError(`Trainer learningRate must be a finite number > 0, got ${learningRate}`);
    if (maxGradNorm !== undefined && !(maxGradNorm > 0)) throw new InputError(`Trainer maxGradNorm must be > 0, got ${maxGradNorm}`);
    if (!Number.isInteger(gradientAccumulationSteps) || gradientAccumulationSteps < 1) {
      throw new InputError(`Trainer gradientAccumulationSteps must be an integer ≥ 1, got ${gradientAccumulationSteps}`);
    }
    const owned = new Set(model.parameters());
    this.params = optimizerParameters(optimizer).map(({ param }) => param);
    if (this.params.length === 0) throw new InputError('Trainer: the optimizer has no parameters');
    if (this.params.some((p) => !owned.has(p))) throw new InputError('Trainer: the optimizer has parameters that are not the model\'s');
    this.model = model;
    this.optimizer = optimizer;
    this.options = options;
    this.schedule = createSchedule(options.schedule ?? { type: 'constant' });
    this.random = new Random(seed);
    this.scalarNames = Object.keys(optimizer.scalars(1, learningRate));
    const chunkElements = options.updateChunkElements ?? UPDATE_CHUNK_ELEMENTS;
    if (!Number.isSafeInteger(chunkElements) || chunkElements < 1) {
      throw new InputError(`Trainer updateChunkElements must be an integer ≥ 1, got ${chunkElements}`);
    }
    this.chunks = updateChunks(optimizer, chunkElements);
    this.chunkElements = chunkElements;
    this.state = model.backend.createState();
    this.params.forEach((p, i) => {
      for (const m of optimizer.moments) this.state.write(momentSlot(m, i), zeros(p.shape));
    });
  }

  /** Input tokens (attention mask 1, or every id without a mask) the steps of this process have trained on. */
  get tokensSeen(): number {
    return this.tokens;
  }

  /** Optimiser steps taken so far. */
  get step(): number {
    return this.completedSteps;
  }

  /** The learning rate of optimiser step `step` (1-based). */
  learningRateAt(step: number): number {
    return this.options.learningRate * this.schedule(step);
  }

  /** One optimiser step over `microBatches` (exactly `gradientAccumulationSteps` of them). */
  async trainStep(microBatches: readonly B[]): Promise<StepRecord> {
    const k = this.options.gradientAccumulationSteps ?? 1;
    if (microBatches.length !== k) throw new InputError(`trainStep got ${microBatches.length} micro-batches; gradientAccumulationSteps is ${k}`);
    const backend = this.model.backend;
    let lossSum = 0;
    const step = this.completedSteps + 1;
    for (const [i, batch] of microBatches.entries()) {
      // Training mode: dropout masks seeded by (run seed, step, micro-batch), so a resumed run redraws them.
      // Loss only: the step reads nothing else, so a model may skip other outputs (BERT's MLM logits).
      const training = { seed: mixSeeds(mixSeeds(this.options.seed ?? 0, step), i) };
      const bound = this.model.forwardProgram(batch, { training, lossOnly: true });
      this.tokens += inputTokens(bound.inputs);
      const out = await backend.run(gradientProgram(bound, this.params, i > 0), bound.inputs, { state: this.state, outputs: ['loss'] });
      if (!out.loss) throw new InputError(`Trainer: the model's forward program gave no loss (are labels in the batch?)`);
      lossSum += out.loss.data[0]!;
    }
    const scale = 1 / k; // the mean over micro-batches, as the loss each would be divided by
    const normOut = await backend.run(gradNormProgram(this, this.params.length), { scale: scalar(scale) }, { state: this.state });
    const gradNorm = normOut.norm!.data[0]!;
    const clip = clipCoefficient(gradNorm, this.options.maxGradNorm);
    const learningRate = this.learningRateAt(step);
    const scalars: Record<string, HostTensor> = { grad_scale: scalar(clip * scale) };
    for (const [name, value] of Object.entries(this.optimizer.scalars(step, learningRate))) scalars[name] = scalar(value);
    const update = { backend, state: this.state, owner: this, optimizer: this.optimizer, scalarNames: this.scalarNames, scalars, maxElements: this.chunkElements };
    for (const chunk of this.chunks) await runUpdateChunk(update, chunk);
    this.completedSteps = step;
    return { step, loss: lossSum / k, gradNorm, clipCoefficient: clip, learningRate };
  }

  /**
   * Trains until `maxSteps` optimiser steps have been taken (counting those before a resume), with
   * evaluation every `evalEvery` steps, callbacks, early stopping and a progress line (see `TrainOptions`).
   * `batch(i, random)` gives micro-batch i (0-based over the whole run), so a resumed run sees the same data.
   */
  train(options: TrainOptions<B>): Promise<StepRecord[]> {
    return runTraining(this, options);
  }

  /**
   * The model's loss (averaged over label tokens, or rows) and metrics over `batches`, run forward in
   * inference mode on the weights training has reached (Hugging Face's `Trainer.evaluate`).
   */
  evaluate<C>(options: EvaluateOptions<B, C>): Promise<EvalMetrics> {
    return evaluateModel(this.model, options);
  }

  /** The trained weights under the model's checkpoint names (a tied weight once, under its first name). */
  async readWeights(): Promise<Map<string, HostTensor<'float32'>>> {
    const params = this.model.parameters();
    const out = await this.model.backend.run(readParametersProgram(this, params), {});
    const names = checkpointNames(this.model);
    return new Map(params.map((p, i) => [names.get(p)!, out[`param.${i}`] as HostTensor<'float32'>]));
  }

  /** Copies the engine's trained weights into the model's host parameters (e.g. to run it on another engine). */
  async syncModel(): Promise<void> {
    this.model.loadWeights(await this.readWeights(), 'the trainer');
  }

  /**
   * The gradients of the last step, summed over its micro-batches, before averaging and clipping (under
   * the model's checkpoint names). A download on request, for inspection and tests; steps never make one.
   */
  async readGradients(): Promise<Map<string, HostTensor>> {
    if (this.completedSteps === 0) throw new InputError('Trainer.readGradients: no step has been taken yet');
    const names = checkpointNames(this.model);
    const out = new Map<string, HostTensor>();
    for (const [i, p] of this.params.entries()) out.set(names.get(p)!, await this.state.read(gradSlot(i)));
    return out;
  }

  /** The optimiser moments, named `<moment>.<parameter name>` (PyTorch's exp_avg, exp_avg_sq, momentum_buffer). */
  async readOptimizerState(): Promise<Map<string, HostTensor>> {
    const names = checkpointNames(this.model);
    const out = new Map<string, HostTensor>();
    for (const [i, p] of this.params.entries()) {
      for (const m of this.optimizer.moments) out.set(`${m}.${names.get(p)}`, await this.state.read(momentSlot(m, i)));
    }
    return out;
  }

  /** Replaces the moments (a resume); every one must be present with its parameter's shape. */
  writeOptimizerState(tensors: ReadonlyMap<string, HostTensor>, where: string): void {
    const names = checkpointNames(this.model);
    this.params.forEach((p, i) => {
      for (const m of this.optimizer.moments) {
        const key = `${m}.${names.get(p)}`;
        const t = tensors.get(key);
        if (!t) throw new InputError(`${where} has no optimizer tensor "${key}"`);
        if (t.dtype !== 'float32' || t.shape.join() !== p.shape.join()) {
          throw new InputError(`${where}: "${key}" is ${t.dtype} [${t.shape.join(', ')}], expected float32 [${p.shape.join(', ')}]`);
        }
        this.state.write(momentSlot(m, i), t);
      }
    });
  }

  /** Sets the step counter, RNG and evaluation progress (a resume). */
  restoreProgress(step: number, random: Random, evaluation: EvaluationProgress = { step: 0 }): void {
    if (!Number.isInteger(step) || step < 0) throw new InputError(`step must be an integer ≥ 0, got ${step}`);
    this.completedSteps = step;
    this.random = random;
    this.evaluationProgress = evaluation;
  }

  /** Frees the gradients and moments held in the engine. The model stays usable. */
  dispose(): void {
    this.state.dispose();
  }
}

/** Each parameter's checkpoint name (a tied weight under its stored name, as Hugging Face saves it). */
function checkpointNames(model: PreTrainedModel): Map<Parameter, string> {
  const names = new Map<Parameter, string>();
  for (const [name, p] of model.savedParameters()) if (!names.has(p)) names.set(p, name);
  for (const [name, p] of model.namedParameters()) if (!names.has(p)) names.set(p, name); // only ever aliased
  return names;
}

/** Tokens a forward pass reads: the attention mask's ones, or every input id without a mask. */
function inputTokens(feeds: Record<string, HostTensor>): number {
  const mask = feeds.attention_mask;
  if (!mask) return feeds.input_ids?.data.length ?? 0;
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) n += Number(mask.data[i]) === 1 ? 1 : 0;
  return n;
}

const zeros = (shape: readonly number[]) => hostTensor(new Float32Array(shape.reduce((n, d) => n * d, 1)), shape);
const scalar = (value: number) => hostTensor(new Float32Array([value]), []);
