/**
 * The optimiser update runs in chunks of parameters (bounded temporaries per engine program): every parameter
 * lands in exactly one chunk, in order, and a chunk exceeds the element budget only when one parameter does.
 */
import { Parameter } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { AdamW } from '../src/optimizer.js';
import { updateChunks } from '../src/programs.js';
import { rowBlocks } from '../src/update-rows.js';

const params = (...sizes: number[]) => sizes.map((n) => new Parameter([n]));

describe('updateChunks', () => {
  it('cuts runs of parameters at the element budget, in order', () => {
    const optimizer = new AdamW({ groups: [{ params: params(3, 4), weightDecay: 0 }, { params: params(5, 10, 1, 1), weightDecay: 0.1 }] });
    // budget 8: [3, 4] = 7; 5 starts anew (7 + 5 > 8); 10 alone (over the budget on its own); [1, 1].
    expect(updateChunks(optimizer, 8)).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 6],
    ]);
  });

  it('is one chunk when everything fits, and one per parameter at budget 1', () => {
    const optimizer = new AdamW({ groups: [{ params: params(2, 2, 2), weightDecay: 0 }] });
    expect(updateChunks(optimizer, 100)).toEqual([[0, 3]]);
    expect(updateChunks(optimizer, 1)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });
});

describe('rowBlocks', () => {
  it('cuts a parameter over the budget into runs of whole rows covering every row once', () => {
    // [10, 3] with budget 7: 2 rows (6 elements) per block.
    expect(rowBlocks([10, 3], 7)).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
      [8, 10],
    ]);
    // A row larger than the budget is still one block; a budget past the size is one block.
    expect(rowBlocks([3, 100], 7)).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(rowBlocks([4, 2], 100)).toEqual([[0, 4]]);
  });
});
