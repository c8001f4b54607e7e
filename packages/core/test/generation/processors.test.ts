import { describe, expect, it } from 'vitest';
import {
  ForcedEosProcessor,
  MinNewTokensProcessor,
  MinPWarper,
  NoBadWordsProcessor,
  NoRepeatNGramProcessor,
  RepetitionPenaltyProcessor,
  TemperatureWarper,
  TopKWarper,
  TopPWarper,
  TypicalWarper,
} from '../../src/index.js';

const NEG = -Infinity;
const row = (...values: number[]) => Float32Array.from(values);

describe('logits processors (hand-worked)', () => {
  it('repetition penalty divides positive and multiplies negative scores of seen tokens, once each', () => {
    const scores = row(2, -1, 3, 0.5, -4);
    new RepetitionPenaltyProcessor(2).process(scores, [0, 1, 1, 4, 0]);
    expect(Array.from(scores)).toEqual([1, -2, 3, 0.5, -8]);
  });

  it('a penalty below 1 rewards repeats', () => {
    const scores = row(2, -1);
    new RepetitionPenaltyProcessor(0.5).process(scores, [0, 1]);
    expect(Array.from(scores)).toEqual([4, -0.5]);
  });

  it('no-repeat n-gram bans the tokens that would complete an earlier n-gram', () => {
    // Sequence 1 2 3 1 2: the bigram prefix is "2"; "2 3" occurred → ban 3. Trigram prefix "1 2"; "1 2 3" → ban 3.
    const bigram = row(0, 0, 0, 0, 0);
    new NoRepeatNGramProcessor(2).process(bigram, [1, 2, 3, 1, 2]);
    expect(Array.from(bigram)).toEqual([0, 0, 0, NEG, 0]);
    // Sequence 4 1 4 2 4: bigram prefix "4" was followed by 1 and 2 → both banned.
    const twice = row(0, 0, 0, 0, 0);
    new NoRepeatNGramProcessor(2).process(twice, [4, 1, 4, 2, 4]);
    expect(Array.from(twice)).toEqual([0, NEG, NEG, 0, 0]);
    // Size 1 bans every token seen; a sequence shorter than n − 1 bans nothing.
    const unigram = row(0, 0, 0, 0, 0);
    new NoRepeatNGramProcessor(1).process(unigram, [0, 3]);
    expect(Array.from(unigram)).toEqual([NEG, 0, 0, NEG, 0]);
    const short = row(0, 0, 0);
    new NoRepeatNGramProcessor(4).process(short, [1, 1]);
    expect(Array.from(short)).toEqual([0, 0, 0]);
  });

  it('bad words: single tokens always, sequences only after their prefix', () => {
    const processor = new NoBadWordsProcessor([[4], [1, 2, 3], [0, 2]]);
    const after12 = row(0, 0, 0, 0, 0);
    processor.process(after12, [0, 1, 2]);
    expect(Array.from(after12)).toEqual([0, 0, 0, NEG, NEG]);
    const after0 = row(0, 0, 0, 0, 0);
    processor.process(after0, [3, 0]);
    expect(Array.from(after0)).toEqual([0, 0, NEG, 0, NEG]);
  });

  it('min new tokens bans every eos id until the minimum, then nothing', () => {
    const processor = new MinNewTokensProcessor(2, [1, 3]);
    const early = row(1, 1, 1, 1);
    processor.process(early, [0], 1);
    expect(Array.from(early)).toEqual([1, NEG, 1, NEG]);
    const late = row(1, 1, 1, 1);
    processor.process(late, [0], 2);
    expect(Array.from(late)).toEqual([1, 1, 1, 1]);
  });

  it('forced eos leaves only the eos ids at the last step', () => {
    const processor = new ForcedEosProcessor(4, [2]);
    const before = row(5, 1, -1);
    processor.process(before, [], 3);
    expect(Array.from(before)).toEqual([5, 1, -1]);
    const last = row(5, 1, -1);
    processor.process(last, [], 4);
    expect(Array.from(last)).toEqual([NEG, NEG, 0]);
  });
});

describe('logits warpers (hand-worked)', () => {
  it('temperature divides the logits', () => {
    const scores = row(1, -2, 4);
    new TemperatureWarper(0.5).process(scores);
    expect(Array.from(scores)).toEqual([2, -4, 8]);
  });

  it('top-k keeps the k best and ties with the k-th', () => {
    const scores = row(1, 5, 3, 3, 0);
    new TopKWarper(2).process(scores);
    expect(Array.from(scores)).toEqual([NEG, 5, 3, 3, NEG]);
    const all = row(1, 2);
    new TopKWarper(10).process(all);
    expect(Array.from(all)).toEqual([1, 2]);
  });

  it('top-p keeps the smallest most-likely set reaching p, and at least one token', () => {
    const p = [0.5, 0.3, 0.15, 0.05];
    const scores = Float32Array.from(p.map(Math.log));
    new TopPWarper(0.75).process(scores); // 0.5 < 0.75 ≤ 0.8
    expect(Array.from(scores).map((s) => s > NEG)).toEqual([true, true, false, false]);
    const tiny = Float32Array.from(p.map(Math.log));
    new TopPWarper(0).process(tiny);
    expect(Array.from(tiny).map((s) => s > NEG)).toEqual([true, false, false, false]);
  });

  it('min-p keeps probabilities ≥ minP × max', () => {
    const scores = Float32Array.from([0.5, 0.3, 0.15, 0.05].map(Math.log));
    new MinPWarper(0.5).process(scores); // threshold 0.25
    expect(Array.from(scores).map((s) => s > NEG)).toEqual([true, true, false, false]);
  });

  it('typical-p ranks by |−log p − H|', () => {
    // p = [0.7, 0.1, 0.1, 0.1]: H ≈ 0.9398; −ln p = [0.357, 2.303, …]: the likely token is closest
    // (0.583 vs 1.363), so a mass of 0.5 keeps only it, and 0.75 adds the first of the tied others.
    const p = [0.7, 0.1, 0.1, 0.1];
    const half = Float32Array.from(p.map(Math.log));
    new TypicalWarper(0.5).process(half);
    expect(Array.from(half).map((s) => s > NEG)).toEqual([true, false, false, false]);
    const more = Float32Array.from(p.map(Math.log));
    new TypicalWarper(0.75).process(more);
    // The tied tokens all sit at the same distance, and HF keeps every token at the cut-off distance.
    expect(Array.from(more).map((s) => s > NEG)).toEqual([true, true, true, true]);
  });

  it('minTokensToKeep (2 in beam sampling) overrides every threshold', () => {
    const p = [0.7, 0.2, 0.06, 0.04];
    const kept = (warper: { process(s: Float32Array): void }) => {
      const scores = Float32Array.from(p.map(Math.log));
      warper.process(scores);
      return Array.from(scores).map((s) => s > NEG);
    };
    const two = [true, true, false, false];
    expect(kept(new TopKWarper(1, 2))).toEqual(two);
    expect(kept(new TopPWarper(0.1, 2))).toEqual(two);
    expect(kept(new MinPWarper(0.9, 2))).toEqual(two);
    // Typical: H ≈ 0.869, distances ≈ [0.512, 0.740, 1.944, 2.350]: the two closest stay.
    expect(kept(new TypicalWarper(0.01, 2))).toEqual(two);
    expect(kept(new TopKWarper(1))).toEqual([true, false, false, false]);
  });
});
