/**
 * forEachBatch, which every text pipeline's batching goes through: rows of similar length are batched
 * together (sorted by token count), each batch is padded to its own longest row, and the results come
 * back in input order with each row's input index.
 */
import type { PreTrainedModel } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { type PaddedBatch, forEachBatch } from '../src/batching.js';
import { bertTinyTokenizer } from './helpers.js';

const tokenizer = bertTinyTokenizer();
/** What forEachBatch reads of a model: its position table and pad id. */
const model = { modelName: 'FakeBert', config: { maxPositionEmbeddings: 64, padTokenId: 0 } } as unknown as PreTrainedModel;
/** A text of `n` words: ids 104.. each decode to one word of the tiny vocabulary, so it encodes to n + 2 tokens. */
const text = (n: number, first = 104) => tokenizer.decode(Array.from({ length: n }, (_, i) => first + i));

describe('forEachBatch', () => {
  const words = [5, 1, 9, 2, 6, 1, 3];
  const inputs = words.map((n, i) => text(n, 104 + 10 * i));

  it('batches rows in length order, pads each batch to its longest, and returns results in input order', async () => {
    const seen: PaddedBatch[] = [];
    const results = await forEachBatch(model, tokenizer, inputs, 3, async (batch) => {
      seen.push(batch);
      return batch.rows.map((row) => `result of ${row}`);
    });
    expect(results).toEqual(inputs.map((_, i) => `result of ${i}`));
    // Word counts 1 1 2 | 3 5 6 | 9 (stable for the two 1s): inputs 1 5 3 | 6 0 4 | 2.
    expect(seen.map((b) => b.rows)).toEqual([[1, 5, 3], [6, 0, 4], [2]]);
    // Each batch is as wide as its longest row ([CLS] words [SEP]): 4, 8, 11 tokens.
    expect(seen.map((b) => b.inputIds[0]!.length)).toEqual([4, 8, 11]);
    for (const batch of seen) {
      batch.rows.forEach((row, b) => {
        const ids = tokenizer.encode(inputs[row]!).ids;
        const pads = batch.inputIds[b]!.length - ids.length;
        expect(batch.encodings[b]!.ids).toEqual(ids);
        expect(batch.inputIds[b]).toEqual([...ids, ...new Array(pads).fill(0)]);
        expect(batch.attentionMask[b]).toEqual([...ids.map(() => 1), ...new Array(pads).fill(0)]);
      });
    }
    // Rows of 3, 3, 4 tokens → 1 + 1 pads; 5, 7, 8 → 3 + 1; 11 → 0: 6 in all (in input order: 12 + 9 + 0 = 21).
    const pads = seen.flatMap((b) => b.attentionMask.map((m) => m.filter((x) => x === 0).length)).reduce((a, b) => a + b, 0);
    expect(pads).toBe(6);
  });

  it('keeps input order for equal lengths and one row per batch', async () => {
    const same = [text(2, 300), text(2, 400), text(2, 500)];
    const rows: number[][] = [];
    const results = await forEachBatch(model, tokenizer, same, 1, async (batch) => {
      rows.push([...batch.rows]);
      return [batch.encodings[0]!.ids[1]];
    });
    expect(rows).toEqual([[0], [1], [2]]);
    expect(results).toEqual([300, 400, 500]);
  });
});
