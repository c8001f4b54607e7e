/**
 * Host-side pieces checked against hand-worked values: schedules (HF formulas, warmup one step ahead),
 * torch's clip coefficient, the seeded generator, and parameter groups.
 */
import { InputError, Parameter } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { clipCoefficient } from '../src/clipping.js';
import { accuracy, perplexity } from '../src/metrics/accuracy.js';
import { flattenGroups } from '../src/parameter-groups.js';
import { Random } from '../src/random.js';
import { createSchedule } from '../src/schedules.js';

describe('schedules', () => {
  it('warmup is (k + 1)/warmup after k steps, then constant (the training references: 1/3, 2/3, 1, 1)', () => {
    const s = createSchedule({ type: 'constant', warmupSteps: 3 });
    expect([1, 2, 3, 4, 100].map(s)).toEqual([1 / 3, 2 / 3, 1, 1, 1]);
  });

  it('linear decay follows HF: (total − k)/(total − warmup)', () => {
    const s = createSchedule({ type: 'linear', warmupSteps: 2, totalSteps: 10 });
    // k = step − 1; k = 2 → 8/8, k = 6 → 4/8, k = 9 → 1/8, k ≥ 10 → 0.
    expect([3, 7, 10, 11, 12].map(s)).toEqual([1, 0.5, 0.125, 0, 0]);
  });

  it('cosine decay follows HF, with an optional floor', () => {
    const s = createSchedule({ type: 'cosine', warmupSteps: 0, totalSteps: 4 });
    expect([1, 2, 3, 4].map(s).map((x) => +x.toFixed(12))).toEqual([1, +(0.5 * (1 + Math.cos(Math.PI / 4))).toFixed(12), 0.5, +(0.5 * (1 + Math.cos((3 * Math.PI) / 4))).toFixed(12)]);
    const floored = createSchedule({ type: 'cosine', totalSteps: 4, minLrRatio: 0.1 });
    expect(floored(3)).toBeCloseTo(0.1 + 0.9 * 0.5, 14);
    expect(floored(50)).toBeCloseTo(0.1, 14);
  });

  it('refuses options that would be ignored or make no sense', () => {
    expect(() => createSchedule({ type: 'linear', warmupSteps: 2 })).toThrow(/totalSteps/);
    expect(() => createSchedule({ type: 'constant', totalSteps: 5 })).toThrow(InputError);
    expect(() => createSchedule({ type: 'linear', totalSteps: 5, minLrRatio: 0.1 })).toThrow(/cosine schedule only/);
    expect(() => createSchedule({ type: 'step' as 'linear', totalSteps: 5 })).toThrow(/constant, linear or cosine/);
  });
});

describe('clipCoefficient', () => {
  it('is torch.nn.utils.clip_grad_norm_\'s min(1, max / (norm + 1e-6))', () => {
    expect(clipCoefficient(2.0469, 1)).toBe(1 / (2.0469 + 1e-6));
    expect(clipCoefficient(0.5, 1)).toBe(1);
    expect(clipCoefficient(1, 1)).toBe(1 / (1 + 1e-6)); // at the threshold the 1e-6 still scales slightly
    expect(clipCoefficient(7, undefined)).toBe(1);
  });
});

describe('Random', () => {
  it('is reproducible from a seed and from a saved state', () => {
    const a = new Random(42);
    const b = new Random(42);
    const first = Array.from({ length: 5 }, () => a.uint32());
    expect(Array.from({ length: 5 }, () => b.uint32())).toEqual(first);
    const saved = a.state();
    const next = Array.from({ length: 5 }, () => a.next());
    const restored = Random.fromState(saved);
    expect(Array.from({ length: 5 }, () => restored.next())).toEqual(next);
    expect(new Random(43).uint32()).not.toBe(first[0]);
  });

  it('draws uniform integers (chi-square over 10 bins, 20 000 draws)', () => {
    const r = new Random(7);
    const counts = new Array(10).fill(0);
    for (let i = 0; i < 20_000; i++) counts[r.int(10)]++;
    const chi2 = counts.reduce((s, c) => s + (c - 2000) ** 2 / 2000, 0);
    expect(chi2).toBeLessThan(27.9); // p = 0.001 for 9 degrees of freedom
  });

  it('gives permutations and refuses bad input', () => {
    const p = new Random(1).permutation(50);
    expect([...p].sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(() => new Random(1.5)).toThrow(InputError);
    expect(() => Random.fromState([1, 2, 3] as never)).toThrow(InputError);
  });
});

describe('parameter groups', () => {
  it('refuses a parameter in two groups and a negative decay', () => {
    const p = new Parameter([2]);
    expect(() => flattenGroups([{ params: [p], weightDecay: 0 }, { params: [p], weightDecay: 0.1 }])).toThrow(/more than one group/);
    expect(() => flattenGroups([{ params: [p], weightDecay: -1 }])).toThrow(/weightDecay/);
  });
});

describe('metrics', () => {
  it('perplexity is exp(loss); accuracy skips ignored labels', () => {
    expect(perplexity(Math.log(65))).toBeCloseTo(65, 10);
    expect(accuracy([1, 2, 3, 4], [1, -100, 3, 5])).toBe(2 / 3);
    expect(() => accuracy([1], [-100])).toThrow(InputError);
    expect(() => accuracy([1, 2], [1])).toThrow(/2 predictions for 1 labels/);
  });
});
