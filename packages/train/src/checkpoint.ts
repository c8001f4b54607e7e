import { InputError } from '@attnjs/core';
import { latestCheckpoint, readCheckpointFolder, writeCheckpointFolder } from './checkpoint-files.js';
import { Random, type RandomState } from './random.js';
import type { Trainer } from './trainer.js';

const FORMAT = 'attnjs-trainer-state/1';

/**
 * Saves everything a resumed run needs into `dir`, atomically: config.json + model.safetensors (Hugging
 * Face names, loadable with `fromPretrained` on any engine), optimizer.safetensors (moments) and
 * trainer_state.json (step, RNG state, schedule and options). Node only.
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
 * engine, and its step and RNG state. The trainer must have been built with the same optimiser and
 * accumulation; the schedule and the other options are the trainer's own (as when resuming in Hugging Face).
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
  trainer.restoreProgress(state.step as number, Random.fromState(state.random as RandomState));
}

export { latestCheckpoint };
