/**
 * Hugging Face's token-classification aggregation on hand-made probabilities: every expected entity,
 * score and offset below is worked out by hand from the table in `tokens()`.
 */
import { describe, expect, it } from 'vitest';
import { type TokenPrediction, aggregateEntities } from '../src/entity-aggregation.js';

const id2label = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
// WordPiece's decoder, written out: tokens joined by spaces, "##" continuations glued on (not on the first token).
const tokensToString = (tokens: readonly string[]) => tokens.map((t, i) => (i === 0 ? t : t.startsWith('##') ? t.slice(2) : ` ${t}`)).join('');
const options = { id2label, tokensToString };

/** "John Smithson lives in Paris": [CLS] john smith ##son lives in paris [SEP]; rows are probabilities over id2label. */
function tokens(): TokenPrediction[] {
  const rows: [string, number, number, boolean, number[]][] = [
    ['john', 0, 4, false, [0.1, 0.7, 0.1, 0.05, 0.05]], // B-PER 0.7
    ['smith', 5, 10, false, [0.1, 0.1, 0.6, 0.1, 0.1]], // I-PER 0.6
    ['##son', 10, 13, true, [0, 0, 0.3, 0, 0.7]], // I-LOC 0.7
    ['lives', 14, 19, false, [0.9, 0.025, 0.025, 0.025, 0.025]], // O
    ['in', 20, 22, false, [0.8, 0.05, 0.05, 0.05, 0.05]], // O
    ['paris', 23, 28, false, [0.1, 0.05, 0.05, 0.6, 0.2]], // B-LOC 0.6
  ];
  return rows.map(([word, start, end, isSubword, scores], i) => ({ word, start, end, isSubword, scores, index: i + 1 }));
}

describe('aggregateEntities', () => {
  it("'none': every token's argmax label, O dropped", () => {
    expect(aggregateEntities(tokens(), 'none', options)).toEqual([
      { entity: 'B-PER', score: 0.7, index: 1, word: 'john', start: 0, end: 4 },
      { entity: 'I-PER', score: 0.6, index: 2, word: 'smith', start: 5, end: 10 },
      { entity: 'I-LOC', score: 0.7, index: 3, word: '##son', start: 10, end: 13 },
      { entity: 'B-LOC', score: 0.6, index: 6, word: 'paris', start: 23, end: 28 },
    ]);
  });

  it("'simple': tokens grouped by tag, ignoring word boundaries; mean score", () => {
    const got = aggregateEntities(tokens(), 'simple', options);
    expect(got.map((g) => [g.entityGroup, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smith', 0, 10],
      ['LOC', '##son', 10, 13], // I-LOC after I-PER opens a new group; a lone "##" token keeps its prefix (HF decoder)
      ['LOC', 'paris', 23, 28], // B- never continues a group
    ]);
    expect(got.map((g) => g.score)).toEqual([(0.7 + 0.6) / 2, 0.7, 0.6].map((x) => expect.closeTo(x, 12)));
  });

  it("'first': a word takes its first sub-token's label and score", () => {
    const got = aggregateEntities(tokens(), 'first', options);
    expect(got.map((g) => [g.entityGroup, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smithson', 0, 13],
      ['LOC', 'paris', 23, 28],
    ]);
    expect(got[0]!.score).toBeCloseTo((0.7 + 0.6) / 2, 12);
  });

  it("'average': a word's probabilities are averaged over its sub-tokens, then argmax", () => {
    // smithson: mean of smith and ##son = [0.05, 0.05, 0.45, 0.05, 0.4] → I-PER 0.45.
    const got = aggregateEntities(tokens(), 'average', options);
    expect(got.map((g) => [g.entityGroup, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smithson', 0, 13],
      ['LOC', 'paris', 23, 28],
    ]);
    expect(got[0]!.score).toBeCloseTo((0.7 + 0.45) / 2, 12);
  });

  it("'max': the sub-token with the highest top probability decides the word", () => {
    // smithson: ##son's 0.7 beats smith's 0.6 → I-LOC 0.7, which does not continue the PER group.
    const got = aggregateEntities(tokens(), 'max', options);
    expect(got.map((g) => [g.entityGroup, g.word, g.start, g.end, g.score])).toEqual([
      ['PER', 'john', 0, 4, 0.7],
      ['LOC', 'smithson', 5, 13, 0.7],
      ['LOC', 'paris', 23, 28, 0.6],
    ]);
  });

  it('ignoreLabels applies to labels (none) and to group names (others)', () => {
    expect(aggregateEntities(tokens(), 'none', { ...options, ignoreLabels: ['O', 'I-LOC', 'B-LOC'] }).map((e) => e.word)).toEqual(['john', 'smith']);
    const withO = aggregateEntities(tokens(), 'first', { ...options, ignoreLabels: [] });
    expect(withO.map((g) => [g.entityGroup, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smithson', 0, 13],
      ['O', 'lives in', 14, 22],
      ['LOC', 'paris', 23, 28],
    ]);
    expect(withO[1]!.score).toBeCloseTo((0.9 + 0.8) / 2, 12);
    // Group names have no B-/I- prefix, so a label name does not filter groups.
    expect(aggregateEntities(tokens(), 'simple', { ...options, ignoreLabels: ['O', 'B-LOC'] }).map((g) => g.entityGroup)).toEqual(['PER', 'LOC', 'LOC']);
  });

  it('labels without B-/I- prefixes merge while equal; B-B does not merge; ties pick the first label', () => {
    const plain = ['O', 'PER'];
    const rows = [[0.2, 0.8], [0.4, 0.6], [0.5, 0.5], [0.3, 0.7]];
    const toks = rows.map((scores, i) => ({ word: `w${i}`, start: 3 * i, end: 3 * i + 2, isSubword: false, scores, index: i + 1 }));
    const got = aggregateEntities(toks, 'simple', { id2label: plain, tokensToString });
    // [0.5, 0.5] is a tie → 'O' (the first), which splits the PER run in two.
    expect(got.map((g) => [g.entityGroup, g.word, g.start, g.end])).toEqual([
      ['PER', 'w0 w1', 0, 5],
      ['PER', 'w3', 9, 11],
    ]);
    expect(got[0]!.score).toBeCloseTo(0.7, 12);
    const bb = [0, 1].map((i) => ({ word: `w${i}`, start: 3 * i, end: 3 * i + 2, isSubword: false, scores: [0, 1, 0, 0, 0], index: i + 1 }));
    expect(aggregateEntities(bb, 'simple', options).map((g) => g.word)).toEqual(['w0', 'w1']);
  });

  it('no tokens → no entities', () => {
    for (const strategy of ['none', 'simple', 'first', 'average', 'max'] as const) expect(aggregateEntities([], strategy, options)).toEqual([]);
  });
});
