/**
 * Evaluation metrics against hand-worked cases and the definitions they follow: scikit-learn's f1_score
 * (its documented multiclass example), seqeval's entity rules (README examples, stray I-, IOB1, BIOES,
 * suffix tags) and SQuAD v1.1's official normalisation and token F1.
 */
import { InputError } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { accuracy } from '../src/metrics/accuracy.js';
import { f1Score, precisionRecallF1 } from '../src/metrics/classification.js';
import { getEntities, seqeval } from '../src/metrics/entities.js';
import { exactMatchScore, normalizeAnswer, squadF1Score, squadScores } from '../src/metrics/squad.js';

describe('f1Score (scikit-learn semantics)', () => {
  it('binary: scores the positive class only', () => {
    // tp = 3 (positions 0, 3, 5), 4 predicted positive, 4 actually positive: P = R = F1 = 3/4.
    const r = precisionRecallF1([1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 1, 1]);
    expect(r.precision).toBeCloseTo(0.75, 12);
    expect(r.recall).toBeCloseTo(0.75, 12);
    expect(r.f1).toBeCloseTo(0.75, 12);
    // posLabel 0: tp = 1 (position 1), 2 predicted, 2 actual.
    expect(f1Score([1, 0, 1, 1, 0, 1], [1, 0, 0, 1, 1, 1], { posLabel: 0 })).toBeCloseTo(0.5, 12);
    // P = 1/1, R = 1/3: F1 = 2·(1/3)/(4/3) = 1/2.
    expect(f1Score([1, 0, 0, 0], [1, 1, 1, 0])).toBeCloseTo(0.5, 12);
  });

  it('binary: 0 when the positive class is never predicted nor present (zero_division)', () => {
    expect(f1Score([0, 0, 0], [0, 0, 0])).toBe(0);
    expect(precisionRecallF1([0, 0], [1, 1])).toEqual({ precision: 0, recall: 0, f1: 0 });
  });

  it("sklearn's documented multiclass example: macro 0.2667, micro 0.3333, weighted 0.2667", () => {
    const yTrue = [0, 1, 2, 0, 1, 2];
    const yPred = [0, 2, 1, 0, 0, 1];
    // class 0: tp 2, predicted 3, actual 2 → F1 4/5; classes 1 and 2: tp 0 → 0.
    expect(f1Score(yPred, yTrue, { average: 'macro' })).toBeCloseTo(0.8 / 3, 12);
    expect(f1Score(yPred, yTrue, { average: 'micro' })).toBeCloseTo(2 / 6, 12);
    expect(f1Score(yPred, yTrue, { average: 'weighted' })).toBeCloseTo(0.8 / 3, 12);
    const macro = precisionRecallF1(yPred, yTrue, { average: 'macro' });
    expect(macro.precision).toBeCloseTo(2 / 3 / 3, 12);
    expect(macro.recall).toBeCloseTo(1 / 3, 12);
  });

  it('macro averages over classes seen in predictions or references alike; weighted by support', () => {
    // class 0: tp 1, pred 1, actual 2 → F1 2/3; class 1: tp 1, pred 1, actual 1 → 1; class 3 (only predicted): 0.
    const preds = [0, 3, 1];
    const refs = [0, 0, 1];
    expect(f1Score(preds, refs, { average: 'macro' })).toBeCloseTo((2 / 3 + 1 + 0) / 3, 12);
    expect(f1Score(preds, refs, { average: 'weighted' })).toBeCloseTo((2 * (2 / 3) + 1 * 1 + 0 * 0) / 3, 12);
  });

  it('micro F1 of single-label data is accuracy; references of −100 are skipped', () => {
    const preds = [2, 1, 0, 2, 2, 1, 0];
    const refs = [2, 0, 0, -100, 1, 1, -100];
    expect(f1Score(preds, refs, { average: 'micro' })).toBeCloseTo(3 / 5, 12);
    expect(f1Score(preds, refs, { average: 'micro' })).toBeCloseTo(accuracy(preds, refs), 12);
  });

  it('throws typed errors on bad input', () => {
    expect(() => f1Score([0, 1, 2], [0, 1, 2])).toThrow(/"binary" needs two classes, got 3 \(0, 1, 2\)/);
    expect(() => f1Score([0, 1], [0])).toThrow(InputError);
    expect(() => f1Score([0], [-100])).toThrow(InputError);
    expect(() => f1Score([0], [0], { average: 'samples' as never })).toThrow(/average/);
  });
});

describe('getEntities (seqeval default mode)', () => {
  const spans = (tags: string[][], suffix = false) => getEntities(tags, { suffix }).map((e) => [e.type, e.start, e.end]);

  it("seqeval's README example", () => {
    expect(spans([['B-PER', 'I-PER', 'O', 'B-LOC']])).toEqual([['PER', 0, 1], ['LOC', 3, 3]]);
  });

  it('a stray I- opens an entity; a change of type closes one', () => {
    expect(spans([['O', 'I-PER', 'I-PER', 'O']])).toEqual([['PER', 1, 2]]);
    expect(spans([['I-PER', 'O']])).toEqual([['PER', 0, 0]]);
    expect(spans([['B-PER', 'I-LOC', 'I-LOC']])).toEqual([['PER', 0, 0], ['LOC', 1, 2]]);
  });

  it('IOB1: B- only separates two adjacent entities of one type', () => {
    expect(spans([['I-PER', 'I-PER', 'B-PER', 'O', 'I-ORG']])).toEqual([['PER', 0, 1], ['PER', 2, 2], ['ORG', 4, 4]]);
  });

  it('BIOES: S- is one token, E- closes, a lone E- is an entity', () => {
    expect(spans([['S-LOC', 'B-PER', 'I-PER', 'E-PER', 'O', 'E-ORG']])).toEqual([['LOC', 0, 0], ['PER', 1, 3], ['ORG', 5, 5]]);
    expect(spans([['B-PER', 'E-PER', 'E-PER']])).toEqual([['PER', 0, 1], ['PER', 2, 2]]);
  });

  it('sentences do not run into each other; positions count over the list with an O after each', () => {
    expect(spans([['B-PER'], ['I-PER']])).toEqual([['PER', 0, 0], ['PER', 2, 2]]);
  });

  it('suffix tags and untyped tags', () => {
    expect(spans([['PER-B', 'PER-I', 'O', 'LOC-S']], true)).toEqual([['PER', 0, 1], ['LOC', 3, 3]]);
    expect(spans([['B', 'I', 'O']])).toEqual([['_', 0, 1]]);
  });
});

describe('seqeval', () => {
  it("seqeval's README example: MISC is off by one token, PER is exact", () => {
    const refs = [['O', 'O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    const preds = [['O', 'O', 'B-MISC', 'I-MISC', 'I-MISC', 'I-MISC', 'O'], ['B-PER', 'I-PER', 'O']];
    const r = seqeval(preds, refs);
    expect([r.precision, r.recall, r.f1]).toEqual([0.5, 0.5, 0.5]);
    expect(r.accuracy).toBeCloseTo(8 / 10, 12); // tags 2 (O vs B-MISC) and 3 (B-MISC vs I-MISC) differ
    expect(r.perType).toEqual({
      MISC: { precision: 0, recall: 0, f1: 0, number: 1 },
      PER: { precision: 1, recall: 1, f1: 1, number: 1 },
    });
  });

  it('micro-averages over types; a type only predicted lowers precision', () => {
    // refs: PER(0,1), LOC(3,3), LOC(5,5); preds: PER(0,0), LOC(3,3), ORG(5,5), LOC(6,6).
    const refs = [['B-PER', 'I-PER', 'O', 'B-LOC', 'O', 'B-LOC', 'O']];
    const preds = [['B-PER', 'O', 'O', 'B-LOC', 'O', 'B-ORG', 'B-LOC']];
    const r = seqeval(preds, refs);
    expect(r.precision).toBeCloseTo(1 / 4, 12);
    expect(r.recall).toBeCloseTo(1 / 3, 12);
    expect(r.f1).toBeCloseTo((2 * (1 / 4) * (1 / 3)) / (1 / 4 + 1 / 3), 12);
    expect(r.perType.LOC).toEqual({ precision: 1 / 2, recall: 1 / 2, f1: 1 / 2, number: 2 });
    expect(r.perType.ORG).toEqual({ precision: 0, recall: 0, f1: 0, number: 0 });
    expect(r.accuracy).toBeCloseTo(4 / 7, 12);
  });

  it('refuses ragged input', () => {
    expect(() => seqeval([['O']], [['O', 'O']])).toThrow(/sentence 0 has 1 predicted tags for 2/);
    expect(() => seqeval([], [['O']])).toThrow(InputError);
  });
});

describe('SQuAD exact match and F1 (official v1.1 script)', () => {
  it('normalises: lowercase, ASCII punctuation, articles, whitespace', () => {
    expect(normalizeAnswer('The  Quick, brown fox!')).toBe('quick brown fox');
    expect(normalizeAnswer('an apple a day\tkeeps\nthe doctor')).toBe('apple day keeps doctor');
    expect(normalizeAnswer('Theatre anthem')).toBe('theatre anthem'); // articles only as whole words
    expect(normalizeAnswer("the cat's")).toBe('cats'); // punctuation goes before articles are looked for
    expect(normalizeAnswer('éthe thé')).toBe('éthe thé'); // Python's \b is Unicode-aware
    expect(normalizeAnswer('“Quoted”')).toBe('“quoted”'); // only string.punctuation is dropped
  });

  it('exact match compares normalised answers', () => {
    expect(exactMatchScore('The Denver Broncos.', 'denver broncos')).toBe(1);
    expect(exactMatchScore('Denver', 'Denver Broncos')).toBe(0);
  });

  it('token F1 counts overlapping words with multiplicity', () => {
    expect(squadF1Score('the cat sat on the mat', 'a cat sat on mat')).toBe(1);
    expect(squadF1Score('cat sat', 'cat sat on mat')).toBeCloseTo(2 / 3, 12); // P 1, R 1/2
    expect(squadF1Score('dog dog dog', 'dog cat')).toBeCloseTo(0.4, 12); // one shared: P 1/3, R 1/2
    expect(squadF1Score('the', 'a')).toBe(0); // both normalise to nothing: no overlap, 0 as the script
  });

  it('takes the best over gold answers, then averages in percent', () => {
    const r = squadScores(
      ['Denver Broncos', 'the Panthers team'],
      [
        ['Denver Broncos', 'Broncos'],
        ['Carolina Panthers', 'Panthers'],
      ],
    );
    // question 2: "panthers team" vs "carolina panthers" F1 1/2, vs "panthers" F1 2/3 (P 1/2, R 1).
    expect(r.exactMatch).toBeCloseTo(50, 10);
    expect(r.f1).toBeCloseTo(((1 + 2 / 3) / 2) * 100, 10);
    expect(() => squadScores(['x'], [[]])).toThrow(/question 0 has no gold answer/);
  });
});
