/**
 * testdata/training's references as the training suites use them: tolerances from its README, and each
 * checkpoint's loader and reference batch in attn.js's input names.
 */
import { BertForPreTraining } from '@attnjs/bert';
import { type Backend, type HostTensor, readSafetensors } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { expect } from 'vitest';
import { fixtureDir, readReference } from './reference.js';

export const TOL = { loss: 5e-6, gradNorm: 1e-5, grad: 5e-7, weight: 2e-5, sumPerSqrtNumel: 1e-5 };

// biome-ignore lint: reference batches are free-form JSON
type RefBatch = any;
export const MODELS = {
  'gpt2-tiny': {
    load: (backend: Backend) => GPT2LMHeadModel.fromPretrained(fixtureDir('training/gpt2-tiny'), { backend }),
    batch: (b: RefBatch) => ({ inputIds: b.input_ids, attentionMask: b.attention_mask, labels: b.labels }),
  },
  'bert-tiny': {
    load: (backend: Backend) => BertForPreTraining.fromPretrained(fixtureDir('training/bert-tiny'), { backend }),
    batch: (b: RefBatch) => ({
      inputIds: b.input_ids,
      attentionMask: b.attention_mask,
      tokenTypeIds: b.token_type_ids,
      labels: b.labels,
      nextSentenceLabel: b.next_sentence_label,
    }),
  },
} as const;


export type Variant = 'all_decay' | 'decay_groups';

export function maxAbsDiff(got: HostTensor, want: HostTensor, what: string): number {
  expect(got.shape, `${what} shape`).toEqual(want.shape);
  let worst = 0;
  for (let i = 0; i < want.data.length; i++) worst = Math.max(worst, Math.abs(got.data[i]! - want.data[i]!));
  return worst;
}

// biome-ignore lint: reference steps are free-form JSON
type RefStep = any;

/** One step's record against PyTorch's: step number, lr, loss, gradient norm, whether it clipped. */
export function expectStep(got: { step: number; learningRate: number; loss: number; gradNorm: number; clipped: boolean }, want: RefStep): void {
  expect(got.step).toBe(want.step);
  expect(Math.abs(got.learningRate - want.lr), `lr at step ${want.step}`).toBeLessThanOrEqual(1e-12);
  expect(Math.abs(got.loss - want.loss), `loss at step ${want.step}`).toBeLessThanOrEqual(TOL.loss);
  expect(Math.abs(got.gradNorm - want.grad_norm), `grad norm at step ${want.step}`).toBeLessThanOrEqual(TOL.gradNorm * Math.max(1, want.grad_norm));
  expect(got.clipped, `clipped at step ${want.step}`).toBe(want.clipped);
}

/** The weights after the last step against PyTorch's final weights and their float64 checksums. */
export async function expectFinalWeights(weights: ReadonlyMap<string, HostTensor>, name: keyof typeof MODELS, variant: Variant): Promise<void> {
  const finalFile = variant === 'all_decay' ? 'final.safetensors' : 'final.decay_groups.safetensors';
  const finalWant = (await readSafetensors(`${fixtureDir(`training/${name}`)}${finalFile}`)).tensors;
  expect([...weights.keys()].sort()).toEqual([...finalWant.keys()].sort());
  const checksums = readReference(`training/${name}`).variants[variant].float64.final_checksums;
  for (const [key, stored] of finalWant) {
    const got = weights.get(key)!;
    expect(maxAbsDiff(got, stored.tensor, key), `final ${key}`).toBeLessThanOrEqual(TOL.weight);
    let sum = 0;
    for (const x of got.data) sum += Number(x);
    expect(Math.abs(sum - checksums[key].sum), `Σ final ${key}`).toBeLessThanOrEqual(TOL.sumPerSqrtNumel * Math.sqrt(got.data.length));
  }
}
