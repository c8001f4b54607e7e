/**
 * The trainer testdata/training's references were made with: AdamW with the reference's hyperparameters,
 * weight decay on every parameter (`all_decay`) or on tensors of rank ≥ 2 only (`decay_groups`), constant
 * lr after linear warmup, clipping. Imports nothing Node-only: the browser page builds it too.
 */
import { AdamW, type ParameterGroup, Trainer, type TrainableModel, decayGroups } from '@attnjs/train';

export interface ReferenceHyperparameters {
  readonly lr: number;
  readonly betas: [number, number];
  readonly eps: number;
  readonly weight_decay: number;
  readonly warmup_steps: number;
  readonly max_grad_norm: number;
}

export function referenceTrainer(model: TrainableModel<unknown>, hp: ReferenceHyperparameters, variant: 'all_decay' | 'decay_groups'): Trainer<unknown> {
  const groups: ParameterGroup[] =
    variant === 'all_decay' ? [{ params: model.parameters(), weightDecay: hp.weight_decay }] : decayGroups(model, hp.weight_decay);
  return new Trainer({
    model,
    optimizer: new AdamW({ groups, betas: hp.betas, eps: hp.eps }),
    learningRate: hp.lr,
    schedule: { type: 'constant', warmupSteps: hp.warmup_steps },
    maxGradNorm: hp.max_grad_norm,
  });
}
