import { InputError } from '@attnjs/core';

// Python's `string.punctuation`: the ASCII punctuation SQuAD's script drops (other punctuation stays).
const PUNCTUATION = new Set('!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
// Python's `\b(a|an|the)\b` on str: word characters are Unicode letters, digits and "_" (JS's \b is ASCII-only).
const ARTICLES = /(?<![\p{L}\p{N}_])(?:a|an|the)(?![\p{L}\p{N}_])/gu;
// Python's `str.split()` whitespace: Unicode spaces \x1c–\x1f and \x85, but not U+FEFF (which JS's \s includes).
const WHITESPACE = /[\s\x1c-\x1f\x85]+/u;

function splitWords(text: string): string[] {
  return text
    .replace(/\uFEFF/g, '\u0000') // keep U+FEFF inside words, as Python does
    .split(WHITESPACE)
    .filter((w) => w.length > 0)
    .map((w) => w.replace(/\u0000/g, '\uFEFF'));
}

/** SQuAD's official `normalize_answer`: lowercase, drop ASCII punctuation, drop a / an / the, collapse whitespace. */
export function normalizeAnswer(text: string): string {
  const lower = text.toLowerCase();
  const unpunctuated = [...lower].filter((ch) => !PUNCTUATION.has(ch)).join('');
  return splitWords(unpunctuated.replace(ARTICLES, ' ')).join(' ');
}

/** 1 when the normalised answers are equal, else 0 (SQuAD's `exact_match_score`). */
export function exactMatchScore(prediction: string, groundTruth: string): number {
  return normalizeAnswer(prediction) === normalizeAnswer(groundTruth) ? 1 : 0;
}

/** SQuAD's token F1: overlap of the normalised words, counted with multiplicity; 0 when nothing overlaps. */
export function squadF1Score(prediction: string, groundTruth: string): number {
  const predicted = splitWords(normalizeAnswer(prediction));
  const truth = splitWords(normalizeAnswer(groundTruth));
  const counts = new Map<string, number>();
  for (const w of truth) counts.set(w, (counts.get(w) ?? 0) + 1);
  let same = 0;
  for (const w of predicted) {
    const left = counts.get(w) ?? 0;
    if (left > 0) {
      same++;
      counts.set(w, left - 1);
    }
  }
  if (same === 0) return 0;
  const precision = same / predicted.length;
  const recall = same / truth.length;
  return (2 * precision * recall) / (precision + recall);
}

/**
 * SQuAD v1.1's official scores (and Hugging Face `evaluate`'s "squad"), in percent: each prediction's exact
 * match and F1 is its best against any of its gold answers, then averaged over the questions.
 */
export function squadScores(predictions: readonly string[], references: readonly (readonly string[])[]): { exactMatch: number; f1: number } {
  if (predictions.length !== references.length) throw new InputError(`squadScores: ${predictions.length} predictions for ${references.length} questions`);
  if (predictions.length === 0) throw new InputError('squadScores: no questions');
  let exactMatch = 0;
  let f1 = 0;
  predictions.forEach((prediction, i) => {
    const golds = references[i]!;
    if (golds.length === 0) throw new InputError(`squadScores: question ${i} has no gold answer`);
    exactMatch += Math.max(...golds.map((g) => exactMatchScore(prediction, g)));
    f1 += Math.max(...golds.map((g) => squadF1Score(prediction, g)));
  });
  return { exactMatch: (100 * exactMatch) / predictions.length, f1: (100 * f1) / predictions.length };
}
