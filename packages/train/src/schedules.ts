import { InputError } from '@attnjs/core';

/** What the learning rate does after warmup (Hugging Face's `lr_scheduler_type` names). */
export type ScheduleType = 'constant' | 'linear' | 'cosine';

export interface ScheduleOptions {
  readonly type: ScheduleType;
  /** Steps of linear warmup; 0 for none. */
  readonly warmupSteps?: number;
  /** Optimiser steps in the whole run: `linear` reaches 0 and `cosine` its floor there. Required by both. */
  readonly totalSteps?: number;
  /** `cosine` only: the floor as a fraction of the peak lr (nanoGPT's min_lr / learning_rate); default 0. */
  readonly minLrRatio?: number;
}

/** step (1-based: the optimiser step about to be taken) → multiplier on the peak lr. */
export type Schedule = (step: number) => number;

/**
 * Linear warmup, then constant, linear or cosine decay, as Hugging Face's `get_*_schedule_with_warmup`
 * with one difference: warmup is one step ahead, (k + 1)/warmupSteps after k steps, so the first step
 * trains (HF's first step has lr 0). This is `LambdaLR(lambda k: min(1, (k + 1) / warmup))`, the schedule
 * the training references use. Decay follows HF: progress = (k − warmup)/(total − warmup).
 */
export function createSchedule(options: ScheduleOptions): Schedule {
  const { type, warmupSteps = 0, totalSteps, minLrRatio = 0 } = options;
  if (!Number.isInteger(warmupSteps) || warmupSteps < 0) throw new InputError(`schedule warmupSteps must be an integer ≥ 0, got ${warmupSteps}`);
  if (type !== 'constant' && type !== 'linear' && type !== 'cosine') {
    throw new InputError(`schedule type must be constant, linear or cosine, got ${String(type)}`);
  }
  if (type !== 'constant' && (totalSteps === undefined || !Number.isInteger(totalSteps) || totalSteps <= warmupSteps)) {
    throw new InputError(`a ${type} schedule needs an integer totalSteps > warmupSteps (${warmupSteps}), got ${String(totalSteps)}`);
  }
  if (type === 'constant' && totalSteps !== undefined) throw new InputError('a constant schedule takes no totalSteps');
  if (minLrRatio !== 0 && type !== 'cosine') throw new InputError(`minLrRatio applies to the cosine schedule only, not ${type}`);
  if (!(minLrRatio >= 0 && minLrRatio <= 1)) throw new InputError(`schedule minLrRatio must be in [0, 1], got ${minLrRatio}`);
  return (step: number) => {
    const k = step - 1; // steps already taken
    if (k < warmupSteps) return (k + 1) / warmupSteps;
    if (type === 'constant') return 1;
    const progress = (k - warmupSteps) / (totalSteps! - warmupSteps);
    if (type === 'linear') return Math.max(0, 1 - progress);
    return minLrRatio + (1 - minLrRatio) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  };
}
