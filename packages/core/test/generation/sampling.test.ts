import { describe, expect, it } from 'vitest';
import { type GenerateOptions, generate } from '../../src/index.js';
import { TableLM, chiSquare, histogram, normalise, unigram } from './fake-lm.js';

// One fixed distribution, drawn from many times in one long sequence: its logits do not depend on the
// prefix, so every step is an independent draw from the warped distribution.
const P = [0.4, 0.25, 0.15, 0.1, 0.06, 0.04];
const DRAWS = 4000;
// Chi-square critical values at the 0.001 level, by degrees of freedom.
const CRITICAL: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52 };

async function draws(options: GenerateOptions, n = DRAWS, p = P): Promise<number[]> {
  const model = new TableLM(p.length, unigram(p), n + 1);
  const out = await generate(model, [0], { doSample: true, maxNewTokens: n, seed: 1234, ...options });
  return out.sequences[0]!.slice(1);
}

/** Frequencies match `expected` (0 = never drawn) by a chi-square test. */
function expectFrequencies(tokens: number[], expected: number[]): void {
  const counts = histogram(tokens, expected.length);
  expected.forEach((p, i) => {
    if (p === 0) expect(counts[i], `token ${i} is outside the kept set but was drawn`).toBe(0);
  });
  const df = expected.filter((p) => p > 0).length - 1;
  expect(chiSquare(counts, expected)).toBeLessThan(CRITICAL[df]!);
}

describe('sampling draws from the warped distribution', () => {
  it('plain sampling (topK: 0) matches the model distribution', async () => {
    expectFrequencies(await draws({ topK: 0 }), P);
  });

  it('topP keeps the nucleus and renormalises it', async () => {
    // Most likely first: 0.4 + 0.25 = 0.65 < 0.7, + 0.15 = 0.8 ≥ 0.7 → {0, 1, 2}.
    const tokens = await draws({ topK: 0, topP: 0.7 });
    expectFrequencies(tokens, normalise([0.4, 0.25, 0.15, 0, 0, 0]));
  });

  it('topK keeps the k most likely tokens', async () => {
    expectFrequencies(await draws({ topK: 2 }), normalise([0.4, 0.25, 0, 0, 0, 0]));
  });

  it('HF applies topK = 50 by default when sampling', async () => {
    // 60 tokens, the last 10 a little less likely (top-k keeps every token tied with the k-th, so they
    // must not tie): the default keeps only the first 50.
    const p = normalise(Array.from({ length: 60 }, (_, i) => (i < 50 ? 1 : 0.9)));
    const tokens = await draws({}, 2000, p);
    expect(Math.max(...tokens)).toBeLessThan(50);
    const withoutTopK = await draws({ topK: 0 }, 2000, p);
    expect(Math.max(...withoutTopK)).toBeGreaterThanOrEqual(50);
  });

  it('minP removes tokens below minP × the top probability', async () => {
    // 0.3 × 0.4 = 0.12: 0.15 stays, 0.1 goes.
    expectFrequencies(await draws({ topK: 0, minP: 0.3 }), normalise([0.4, 0.25, 0.15, 0, 0, 0]));
  });

  it('typicalP keeps the tokens whose information is closest to the entropy', async () => {
    // Entropy H = −Σ p ln p ≈ 1.5256; |−ln p − H| ≈ [0.609, 0.139, 0.372, 0.777, 1.288, 1.693], so the
    // order is 1, 2, 0, …; masses 0.25 < 0.3 ≤ 0.40 → {1, 2}: the most likely token is not typical.
    expectFrequencies(await draws({ topK: 0, typicalP: 0.3 }), normalise([0, 0.25, 0.15, 0, 0, 0]));
  });

  it('temperature rescales log-probabilities as predicted', async () => {
    expectFrequencies(await draws({ topK: 0, temperature: 2 }), normalise(P.map((p) => p ** 0.5)));
    expectFrequencies(await draws({ topK: 0, temperature: 0.5 }), normalise(P.map((p) => p ** 2)));
    // And the frequencies really moved: at T = 0.5 token 0's share (0.4² / Σp² ≈ 0.63) is far above 0.4.
    const hot = histogram(await draws({ topK: 0, temperature: 0.5 }), P.length);
    expect(hot[0]! / DRAWS).toBeGreaterThan(0.58);
  });

  it('warpers compose in HF order: temperature before topP', async () => {
    // At T = 0.5 the probabilities are p² / Σp² ≈ [0.627, 0.245, 0.088, …]: topP 0.8 now keeps {0, 1}
    // (0.627 + 0.245 ≥ 0.8), where on the untempered distribution it would keep {0, 1, 2}.
    const tokens = await draws({ topK: 0, temperature: 0.5, topP: 0.8 });
    expectFrequencies(tokens, normalise([0.4 ** 2, 0.25 ** 2, 0, 0, 0, 0]));
  });
});

describe('seed', () => {
  it('the same seed reproduces the draws, a different seed changes them', async () => {
    const a = await draws({ topK: 0, seed: 7 }, 200);
    const b = await draws({ topK: 0, seed: 7 }, 200);
    const c = await draws({ topK: 0, seed: 8 }, 200);
    expect(a).toEqual(b);
    expect(c).not.toEqual(a);
  });

  it('numReturnSequences gives each copy of a prompt its own draws', async () => {
    const model = new TableLM(P.length, unigram(P), 40);
    const out = await generate(model, [0], { doSample: true, topK: 0, maxNewTokens: 30, seed: 3, numReturnSequences: 3 });
    expect(out.sequences).toHaveLength(3);
    expect(new Set(out.sequences.map((s) => s.join(','))).size).toBe(3);
  });

  it('sampled rows do not depend on the rest of the batch', async () => {
    const model = new TableLM(P.length, (seq) => (seq[0] === 1 ? [...P].reverse() : P), 40);
    const alone = await generate(model, [[1, 2]], { doSample: true, maxNewTokens: 20, seed: 5 });
    const batched = await generate(model, [[0], [1, 2], [3, 3, 3]], { doSample: true, maxNewTokens: 20, seed: 5 });
    expect(batched.sequences[1]).toEqual(alone.sequences[0]);
  });
});
