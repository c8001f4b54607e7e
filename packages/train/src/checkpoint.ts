import { InputError } from '@attnjs/core';
import { latestCheckpoint, readCheckpointFolder, writeCheckpointFolder } from './checkpoint-files.js';
import { Random, type RandomState } from './random.js';
import type { Trainer } from './trainer.js';
import type { EvaluationProgress } from './training-loop.js';

const FORMAT = 'attnjs-trainer-state/1';

/**
 * Saves everything a resumed run needs into `dir`, atomically: config.json + model.safetensors (Hugging
 * Face names, loadable with `fromPretrained` on any engine), optimizer.safetensors (moments) and
 * trainer_state.json (step, RNG state, schedule and options, the last evaluation and early stopping's
 * best value and patience counter). Node only.
 */
export async function saveCheckpoint<B>(trainer: Trainer<B>, dir: string): Promise<void> {
  const { options, optimizer } = trainer;
  await writeCheckpointFolder(dir, {
    model: await trainer.readWeights(),
    optimizer: await trainer.readOptimizerState(),
    config: options.modelConfig,
    state: {
      format: FORMAT,
      step: trainer.step,
      random: trainer.random.state(),
      optimizer: { name: optimizer.name, ...optimizer.hyperparameters },
      learningRate: options.learningRate,
      schedule: options.schedule ?? { type: 'constant' },
      maxGradNorm: options.maxGradNorm ?? null,
      gradientAccumulationSteps: options.gradientAccumulationSteps ?? 1,
      seed: options.seed ?? 0,
      evaluation: trainer.evaluationProgress,
    },
  });
}

/** Saves into `<outputDir>/checkpoint-<step>` (the Hugging Face Trainer's layout) and returns that path. */
export async function saveCheckpointAtStep<B>(trainer: Trainer<B>, outputDir: string): Promise<string> {
  const dir = `${outputDir.replace(/\/+$/, '')}/checkpoint-${trainer.step}`;
  await saveCheckpoint(trainer, dir);
  return dir;
}

/**
 * Continues from a checkpoint exactly: loads its weights into the trainer's model, its moments into the
 * engine, and its step, RNG state and evaluation progress (early stopping continues its counts). The
 * trainer must have been built with the same optimiser and accumulation; the schedule and the other
 * options are the trainer's own (as when resuming in Hugging Face).
 */
export async function resumeFromCheckpoint<B>(trainer: Trainer<B>, dir: string): Promise<void> {
  const contents = await readCheckpointFolder(dir);
  const state = contents.state;
  const where = `${dir}/trainer_state.json`;
  if (state.format !== FORMAT) throw new InputError(`${where}: format is ${JSON.stringify(state.format)}, expected "${FORMAT}"`);
  const saved = state.optimizer as { name?: string } | undefined;
  if (saved?.name !== trainer.optimizer.name) {
    throw new InputError(`${where}: saved with optimizer "${String(saved?.name)}", the trainer uses "${trainer.optimizer.name}"`);
  }
  const accumulation = trainer.options.gradientAccumulationSteps ?? 1;
  if (state.gradientAccumulationSteps !== accumulation) {
    throw new InputError(`${where}: gradientAccumulationSteps was ${String(state.gradientAccumulationSteps)}, the trainer uses ${accumulation}`);
  }
  trainer.model.loadWeights(contents.model, `${dir}/model.safetensors`);
  trainer.writeOptimizerState(contents.optimizer, `${dir}/optimizer.safetensors`);
  const evaluation = evaluationProgress(state.evaluation, where);
  trainer.restoreProgress(state.step as number, Random.fromState(state.random as RandomState), evaluation);
}

/** trainer_state.json's `evaluation`, checked; checkpoints written before it was saved have none. */
function evaluationProgress(value: unknown, where: string): EvaluationProgress {
  if (value === undefined) return { step: 0 };
  const bad = (what: string) => new InputError(`${where}: evaluation${what} is invalid: ${JSON.stringify(value)}`);
  const { step, earlyStopping } = (value ?? {}) as Record<string, unknown>;
  if (!Number.isInteger(step) || (step as number) < 0) throw bad('.step');
  if (earlyStopping === undefined) return { step: step as number };
  const e = (earlyStopping ?? {}) as Record<string, unknown>;
  const valid =
    typeof e.metric === 'string' &&
    (e.mode === 'min' || e.mode === 'max') &&
    (e.best === null || typeof e.best === 'number') &&
    Number.isInteger(e.patienceCounter) &&
    (e.patienceCounter as number) >= 0;
  if (!valid) throw bad('.earlyStopping');
  return { step: step as number, earlyStopping: e as unknown as EvaluationProgress['earlyStopping'] };
}

export { latestCheckpoint };
