/**
 * The masked-LM collator against Hugging Face's semantics, statistically: selection rate 15 %, split
 * 80 / 10 / 10 among the selected, special tokens and padding never selected, same seed same masks.
 * And causal-LM packing on a hand-worked example.
 */
import { InputError } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { causalLMBatch, packBlocks } from '../src/collators/causal-lm.js';
import { maskTokens } from '../src/collators/masked-lm.js';
import { nextSentencePairs, pairInputs } from '../src/collators/next-sentence.js';
import { Random } from '../src/random.js';

const [CLS, SEP, MASK, PAD, V] = [101, 102, 103, 0, 1000];
const options = { maskTokenId: MASK, vocabSize: V, specialTokenIds: [CLS, SEP], padTokenId: PAD };

function corpus(rows: number, seed: number): number[][] {
  const r = new Random(seed);
  return Array.from({ length: rows }, () => {
    const length = 20 + r.int(100);
    return [CLS, ...Array.from({ length }, () => 104 + r.int(V - 104)), SEP];
  });
}

describe('maskTokens', () => {
  it('selects 15 % of ordinary tokens and splits them 80 / 10 / 10 (4σ bounds)', () => {
    const rows = corpus(400, 1);
    const batch = maskTokens(rows, new Random(99), options);
    let ordinary = 0;
    let selected = 0;
    const outcome = { mask: 0, random: 0, kept: 0 };
    rows.forEach((row, b) => {
      row.forEach((id, t) => {
        const label = batch.labels[b]![t]!;
        const seen = batch.inputIds[b]![t]!;
        if (id === CLS || id === SEP) {
          expect(label).toBe(-100);
          expect(seen).toBe(id);
          return;
        }
        ordinary++;
        if (label === -100) return expect(seen).toBe(id);
        selected++;
        expect(label).toBe(id);
        if (seen === MASK) outcome.mask++;
        else if (seen === id) outcome.kept++;
        else outcome.random++;
      });
    });
    const within = (count: number, n: number, p: number) => Math.abs(count / n - p) <= 4 * Math.sqrt((p * (1 - p)) / n);
    expect(ordinary).toBeGreaterThan(20_000);
    expect(within(selected, ordinary, 0.15), `rate ${selected / ordinary}`).toBe(true);
    expect(within(outcome.mask, selected, 0.8), `mask ${outcome.mask / selected}`).toBe(true);
    // A random id equal to the original counts as kept (p = 1/V): both shares stay within their bounds.
    expect(within(outcome.random, selected, 0.1), `random ${outcome.random / selected}`).toBe(true);
    expect(within(outcome.kept, selected, 0.1), `kept ${outcome.kept / selected}`).toBe(true);
  });

  it('pads ragged rows and never selects padding; same seed gives the same masks', () => {
    const rows = [[CLS, 500, 501, SEP], [CLS, 502, SEP]];
    const a = maskTokens(rows, new Random(5), options);
    expect(a.attentionMask).toEqual([[1, 1, 1, 1], [1, 1, 1, 0]]);
    expect(a.inputIds[1]![3]).toBe(PAD);
    expect(a.labels[1]![3]).toBe(-100);
    expect(maskTokens(rows, new Random(5), options)).toEqual(a);
    const many = corpus(50, 2);
    expect(maskTokens(many, new Random(6), options)).not.toEqual(maskTokens(many, new Random(7), options));
  });

  it('refuses options it does not know and bad probabilities', () => {
    expect(() => maskTokens([[1]], new Random(1), { ...options, wholeWordMasking: true } as never)).toThrow(/wholeWordMasking/);
    expect(() => maskTokens([[1]], new Random(1), { ...options, mlmProbability: 1.5 })).toThrow(InputError);
  });
});

describe('maskTokens with wordIds (whole-word masking)', () => {
  it('selects whole words only, within round(15 % of the row) tokens, never specials', () => {
    const r = new Random(11);
    for (let row = 0; row < 200; row++) {
      // [CLS] w0 w1 … [SEP], each word 1–3 word-piece tokens
      const ids = [CLS];
      const words: (number | null)[] = [null];
      const wordCount = 5 + r.int(30);
      for (let w = 0; w < wordCount; w++) {
        for (let k = 0, n = 1 + r.int(3); k < n; k++) {
          ids.push(104 + r.int(V - 104));
          words.push(w);
        }
      }
      ids.push(SEP);
      words.push(null);
      const batch = maskTokens([ids], r, { ...options, wordIds: [words] });
      const chosen = batch.labels[0]!.map((l) => l !== -100);
      expect(chosen[0] || chosen.at(-1)).toBe(false);
      for (let w = 0; w < wordCount; w++) {
        const inWord = chosen.filter((_, t) => words[t] === w);
        expect(new Set(inWord).size, `word ${w} of row ${row} masked whole or not at all`).toBe(1);
      }
      const count = chosen.filter(Boolean).length;
      expect(count).toBeGreaterThanOrEqual(1);
      expect(count).toBeLessThanOrEqual(Math.max(1, Math.round(ids.length * 0.15)));
    }
  });

  it('refuses wordIds that do not match the rows', () => {
    expect(() => maskTokens([[CLS, 500, SEP]], new Random(1), { ...options, wordIds: [[null, 0]] })).toThrow(/wordIds\[0\] has 2 entries for 3 ids/);
    expect(() => maskTokens([[CLS, 500, SEP]], new Random(1), { ...options, wordIds: [] })).toThrow(/wordIds has 0 rows/);
  });
});

describe('packBlocks', () => {
  it('concatenates documents with a separator and drops the remainder, as HF group_texts', () => {
    // stream 1 2 3 0 4 5 0 6 7 8 9 0 10 0: four blocks of 3, the last two ids dropped
    expect(packBlocks([[1, 2, 3], [4, 5], [6, 7, 8, 9], [10]], 3, 0)).toEqual([[1, 2, 3], [0, 4, 5], [0, 6, 7], [8, 9, 0]]);
    expect(packBlocks([[1, 2, 3, 4, 5]], 2)).toEqual([[1, 2], [3, 4]]);
    expect(causalLMBatch([[1, 2], [3, 4]])).toEqual({ inputIds: [[1, 2], [3, 4]], labels: [[1, 2], [3, 4]] });
    expect(() => causalLMBatch([[1, 2], [3]])).toThrow(InputError);
  });
});

describe('nextSentencePairs', () => {
  // Segment ids encode (document, index) so a pair can be traced back: segment = [1000·d + i].
  const documents = Array.from({ length: 30 }, (_, d) => Array.from({ length: 5 + (d % 7) }, (_, i) => [1000 * d + i]));
  const where = (segment: readonly number[]) => ({ doc: Math.floor(segment[0]! / 1000), index: segment[0]! % 1000 });

  it('pairs each segment with its successor half the time, else with a segment of another document (4σ)', () => {
    const pairs = nextSentencePairs(documents, new Random(3));
    expect(pairs).toHaveLength(documents.reduce((n, d) => n + d.length - 1, 0));
    let real = 0;
    const otherDocs = new Set<number>();
    for (const pair of pairs) {
      const a = where(pair.a);
      const b = where(pair.b);
      if (pair.label === 0) {
        real++;
        expect(b).toEqual({ doc: a.doc, index: a.index + 1 });
      } else {
        expect(b.doc).not.toBe(a.doc);
        otherDocs.add(b.doc);
      }
    }
    const n = pairs.length;
    expect(Math.abs(real / n - 0.5)).toBeLessThanOrEqual(4 * Math.sqrt(0.25 / n));
    expect(otherDocs.size).toBeGreaterThan(25); // random B segments come from across the corpus
    expect(nextSentencePairs(documents, new Random(3))).toEqual(pairs);
  });

  it('lays out [CLS] A [SEP] B [SEP] with token types, and refuses a single document', () => {
    expect(pairInputs({ a: [5, 6], b: [7], label: 1 }, CLS, SEP)).toEqual({ ids: [CLS, 5, 6, SEP, 7, SEP], tokenTypeIds: [0, 0, 0, 0, 1, 1] });
    expect(() => nextSentencePairs([[[1], [2]]], new Random(1))).toThrow(/at least 2 documents/);
  });
});
