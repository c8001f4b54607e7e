/**
 * Checks on attention probabilities shared by the Node suite (attentions.test.ts) and the browser suite
 * (browser/jobs.ts): the laws they obey, and agreement with the float64 re-computation of
 * attention-reference.ts.
 */
import { join } from 'node:path';
import { type HostTensor, readSafetensors } from '@attnjs/core';
import { expect } from 'vitest';
import { type Architecture, blockOutput, readBlocks, referenceProbabilities, trimmedProbabilities } from './attention-reference.js';
import { TOLERANCE, expectClose } from './reference.js';

/** The fixtures' shapes: every tiny checkpoint has 2 layers of 4 heads. */
export const LAYERS = 2;
export const HEADS = 4;
export const EPS: Record<Architecture, number> = { gpt2: 1e-5, bert: 1e-12 };
export const weightsOf = (dir: string) => join(dir, 'model.safetensors');

/** Row sums, padded keys and (causal) future keys of a [B, heads, T, T] tensor. */
export function expectProbabilityLaws(t: HostTensor, mask: readonly (readonly number[])[], causal: boolean, what: string): void {
  const [B, H, T, K] = t.shape as number[];
  expect([B, H, T, K], `${what}: shape`).toEqual([mask.length, HEADS, mask[0]!.length, mask[0]!.length]);
  let worstSum = 0;
  let worstMasked = 0;
  for (let b = 0; b < B!; b++) {
    for (let h = 0; h < H!; h++) {
      for (let q = 0; q < T!; q++) {
        const row = t.data.subarray(((b * H! + h) * T! + q) * K!, ((b * H! + h) * T! + q + 1) * K!);
        worstSum = Math.max(worstSum, Math.abs(Array.from(row).reduce((a, v) => a + v, 0) - 1));
        for (let k = 0; k < K!; k++) {
          const hidden = mask[b]![k] === 0 || (causal && k > q);
          if (hidden) worstMasked = Math.max(worstMasked, row[k]!);
          else expect(row[k], `${what}[${b}, ${h}, ${q}, ${k}] is visible, so positive`).toBeGreaterThan(0);
        }
      }
    }
  }
  expect(worstSum, `${what}: worst |row sum − 1|`).toBeLessThanOrEqual(1e-5);
  expect(worstMasked, `${what}: largest probability on a padded or future key`).toBeLessThan(1e-7);
}

/**
 * Each layer's attentions against the float64 probabilities computed from that layer's input
 * (`inputs[l]`, rows trimmed to their lengths), and the last layer's output, rebuilt in float64 from its
 * input and the engine's own last-layer attentions, against `lastOutput`.
 */
export async function expectReproduced(
  architecture: Architecture,
  dir: string,
  attentions: HostTensor[],
  inputs: (layer: number, b: number) => number[][],
  lastOutput: (b: number) => number[][],
  lengths: readonly number[],
  what: string,
  tolerance: number = TOLERANCE.normal,
): Promise<void> {
  const block = await readBlocks(weightsOf(dir), architecture);
  const tensors = new Map([...(await readSafetensors(weightsOf(dir))).tensors].map(([k, t]) => [k, t.tensor] as const));
  const lnF = tensors.has('transformer.ln_f.weight') ? { weight: tensors.get('transformer.ln_f.weight')!, bias: tensors.get('transformer.ln_f.bias')! } : undefined;
  lengths.forEach((length, b) => {
    for (let l = 0; l < LAYERS; l++) {
      const want = referenceProbabilities(architecture, block(l), inputs(l, b), HEADS, EPS[architecture]);
      expectClose(trimmedProbabilities(attentions[l]!, b, length).flat(), want.flat(), tolerance, `${what}: attentions[${l}] row ${b}`);
    }
    const last = LAYERS - 1;
    const ours = trimmedProbabilities(attentions[last]!, b, length);
    const rebuilt = blockOutput(architecture, block(last), inputs(last, b), ours, EPS[architecture], lnF);
    expectClose(rebuilt, lastOutput(b), tolerance, `${what}: last layer rebuilt from its attentions, row ${b}`);
  });
}

