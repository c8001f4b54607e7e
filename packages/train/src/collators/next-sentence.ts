import { InputError } from '@attnjs/core';
import type { Random } from '../random.js';

/** A BERT pretraining pair: `label` 0 = B is A's real next segment, 1 = B comes from another document. */
export interface SentencePair {
  readonly a: readonly number[];
  readonly b: readonly number[];
  readonly label: 0 | 1;
}

/**
 * Next-sentence-prediction pairs as BERT's pretraining data makes them: for each segment that has a
 * successor in its document, B is that successor with probability 0.5, else a segment drawn uniformly from
 * a different document. `documents` are lists of tokenized segments (sentences).
 */
export function nextSentencePairs(documents: readonly (readonly (readonly number[])[])[], random: Random): SentencePair[] {
  if (documents.length < 2) throw new InputError(`nextSentencePairs needs at least 2 documents (random B segments come from another one), got ${documents.length}`);
  documents.forEach((doc, d) => {
    if (doc.length === 0) throw new InputError(`nextSentencePairs: document ${d} has no segments`);
  });
  const pairs: SentencePair[] = [];
  documents.forEach((doc, d) => {
    for (let i = 0; i + 1 < doc.length; i++) {
      if (random.next() < 0.5) {
        pairs.push({ a: doc[i]!, b: doc[i + 1]!, label: 0 });
        continue;
      }
      // A uniform other document: draw among the n − 1 others, skipping d.
      let other = random.int(documents.length - 1);
      if (other >= d) other++;
      const segments = documents[other]!;
      pairs.push({ a: doc[i]!, b: segments[random.int(segments.length)]!, label: 1 });
    }
  });
  return pairs;
}

/** `[CLS] A [SEP] B [SEP]` with token type ids 0 for `[CLS] A [SEP]`, 1 for `B [SEP]`. */
export function pairInputs(pair: SentencePair, clsTokenId: number, sepTokenId: number): { ids: number[]; tokenTypeIds: number[] } {
  const ids = [clsTokenId, ...pair.a, sepTokenId, ...pair.b, sepTokenId];
  const tokenTypeIds = ids.map((_, i) => (i < pair.a.length + 2 ? 0 : 1));
  return { ids, tokenTypeIds };
}
