import {
  IGNORE_INDEX,
  InputError,
} from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import type { Random } from '../random.js';

export interface MaskedLMOptions {
  readonly maskTokenId: number;
  /** Random replacements are drawn uniformly from [0, vocabSize), as Hugging Face draws from len(tokenizer). */
  readonly vocabSize: number;
  /** Ids never selected for masking ([CLS], [SEP], [PAD], …). */
  readonly specialTokenIds: readonly number[];
  /** Pads ragged rows to the longest (dynamic padding). */
  readonly padTokenId: number;
  /** Share of ordinary tokens selected; default 0.15. */
  readonly mlmProbability?: number;
  /**
   * Whole-word masking: per row, each token's word index (a tokenizer encoding's `wordIds`; null for
   * special tokens). Words are then selected whole, as Hugging Face's DataCollatorForWholeWordMask does.
   */
  readonly wordIds?: readonly (readonly (number | null)[])[];
}

export interface MaskedLMBatch {
  inputIds: number[][];
  attentionMask: number[][];
  /** The original id at selected positions, −100 elsewhere. */
  labels: number[][];
}

/**
 * Hugging Face's DataCollatorForLanguageModeling (mlm=True): each non-special token is selected with
 * probability `mlmProbability`; a selected token becomes [MASK] with probability 0.8, a random id with 0.1,
 * and stays as it was with 0.1. Draws come from `random`, so a seeded run masks the same way every time.
 */
export function maskTokens(rows: readonly (readonly number[])[], random: Random, options: MaskedLMOptions): MaskedLMBatch {
  checkOptions(options, ['maskTokenId', 'vocabSize', 'specialTokenIds', 'padTokenId', 'mlmProbability', 'wordIds'], 'maskTokens');
  const { maskTokenId, vocabSize, padTokenId, mlmProbability = 0.15 } = options;
  if (!(mlmProbability > 0 && mlmProbability < 1)) throw new InputError(`maskTokens mlmProbability must be in (0, 1), got ${mlmProbability}`);
  if (!Number.isInteger(vocabSize) || vocabSize < 1) throw new InputError(`maskTokens vocabSize must be a positive integer, got ${vocabSize}`);
  if (rows.length === 0) throw new InputError('maskTokens needs at least one row');
  const special = new Set([...options.specialTokenIds, padTokenId]);
  const width = Math.max(...rows.map((r) => r.length));
  const batch: MaskedLMBatch = { inputIds: [], attentionMask: [], labels: [] };
  if (options.wordIds && options.wordIds.length !== rows.length) {
    throw new InputError(`maskTokens: wordIds has ${options.wordIds.length} rows for ${rows.length} rows of ids`);
  }
  for (const [r, row] of rows.entries()) {
    const ids: number[] = [];
    const labels: number[] = [];
    const words = options.wordIds?.[r];
    const selected = words
      ? selectWholeWords(row, words, special, mlmProbability, random, r)
      : row.map((id) => !special.has(id) && random.next() < mlmProbability);
    for (const [t, id] of row.entries()) {
      if (!selected[t]) {
        ids.push(id);
        labels.push(IGNORE_INDEX);
        continue;
      }
      labels.push(id);
      // HF draws "replace" with p 0.8, then "random" with p 0.5 among the rest: 0.8 / 0.1 / 0.1.
      if (random.next() < 0.8) ids.push(maskTokenId);
      else if (random.next() < 0.5) ids.push(random.int(vocabSize));
      else ids.push(id);
    }
    const pad = width - row.length;
    batch.inputIds.push([...ids, ...Array<number>(pad).fill(padTokenId)]);
    batch.labels.push([...labels, ...Array<number>(pad).fill(IGNORE_INDEX)]);
    batch.attentionMask.push([...Array<number>(row.length).fill(1), ...Array<number>(pad).fill(0)]);
  }
  return batch;
}

/**
 * DataCollatorForWholeWordMask's choice: shuffle the words, then take whole words while the count of
 * selected tokens stays within round(mlmProbability · row length) (at least 1); a word that would overshoot
 * is skipped. Special tokens (word index null, or a special id) are never chosen.
 */
function selectWholeWords(
  row: readonly number[],
  words: readonly (number | null)[],
  special: ReadonlySet<number>,
  mlmProbability: number,
  random: Random,
  r: number,
): boolean[] {
  if (words.length !== row.length) throw new InputError(`maskTokens: wordIds[${r}] has ${words.length} entries for ${row.length} ids`);
  const groups = new Map<number, number[]>();
  words.forEach((w, t) => {
    if (w === null || special.has(row[t]!)) return;
    groups.set(w, [...(groups.get(w) ?? []), t]);
  });
  const order = random.permutation(groups.size);
  const candidates = [...groups.values()];
  const budget = Math.max(1, Math.round(row.length * mlmProbability));
  const selected = row.map(() => false);
  let count = 0;
  for (const i of order) {
    if (count >= budget) break;
    const positions = candidates[i]!;
    if (count + positions.length > budget) continue;
    for (const t of positions) selected[t] = true;
    count += positions.length;
  }
  return selected;
}
