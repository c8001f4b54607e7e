export { Trainer, type TrainableModel, type TrainerOptions, type StepRecord } from './trainer.js';
export { AdamW, SGD, type AdamWOptions, type SGDOptions, type Optimizer, type UpdateInputs } from './optimizer.js';
export { decayGroups, type ParameterGroup } from './parameter-groups.js';
export { createSchedule, type Schedule, type ScheduleOptions, type ScheduleType } from './schedules.js';
export { clipCoefficient } from './clipping.js';
export { Random, type RandomState } from './random.js';
export { saveCheckpoint, saveCheckpointAtStep, resumeFromCheckpoint, latestCheckpoint } from './checkpoint.js';
export { packBlocks, causalLMBatch } from './collators/causal-lm.js';
export { maskTokens, type MaskedLMOptions, type MaskedLMBatch } from './collators/masked-lm.js';
