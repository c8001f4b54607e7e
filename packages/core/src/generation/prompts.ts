import { InputError } from '../errors.js';
import type { HostTensor } from '../host.js';
import { type IdsLike, checkSameShape, toIds } from '../inputs.js';

/** One prompt (a flat list of ids), several of any lengths, or a [batch, length] tensor. */
export type PromptIds = readonly number[] | readonly (readonly number[])[] | HostTensor<'int32'>;

/**
 * The prompts as plain rows. With `attentionMask` (what a tokenizer's padded batch comes with, left or
 * right padding), a row is its tokens where the mask is 1; generation pads them again its own way.
 */
export function toPrompts(inputIds: PromptIds, attentionMask: IdsLike | undefined, vocabSize: number): number[][] {
  const rows = attentionMask === undefined ? listRows(inputIds) : maskedRows(inputIds, attentionMask);
  return rows.map((row, b) => {
    if (row.length === 0) throw new InputError(`generate: inputIds[${b}] has no tokens`);
    row.forEach((id, t) => {
      if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
        throw new InputError(`generate: inputIds[${b}][${t}] = ${id} is outside the vocabulary 0..${vocabSize - 1}`);
      }
    });
    return row;
  });
}

function listRows(inputIds: PromptIds): number[][] {
  if (!Array.isArray(inputIds)) {
    const ids = toIds(inputIds as HostTensor<'int32'>, 'inputIds');
    const length = ids.shape[1]!;
    return Array.from({ length: ids.shape[0]! }, (_, b) => Array.from(ids.data.subarray(b * length, (b + 1) * length)));
  }
  if (inputIds.length === 0) throw new InputError('generate: inputIds must be a non-empty list of token ids, or a list of such lists');
  const rows = (typeof inputIds[0] === 'number' ? [inputIds] : inputIds) as readonly (readonly number[])[];
  return rows.map((row, b) => {
    if (!Array.isArray(row)) throw new InputError(`generate: inputIds[${b}] must be a list of token ids`);
    return [...row];
  });
}

function maskedRows(inputIds: PromptIds, attentionMask: IdsLike): number[][] {
  const ids = toIds(inputIds as IdsLike, 'inputIds');
  const mask = toIds(attentionMask, 'attentionMask');
  checkSameShape(ids, mask, 'inputIds', 'attentionMask');
  const length = ids.shape[1]!;
  return Array.from({ length: ids.shape[0]! }, (_, b) => {
    const row: number[] = [];
    for (let t = 0; t < length; t++) {
      const m = mask.data[b * length + t]!;
      if (m !== 0 && m !== 1) throw new InputError(`generate: attentionMask[${b}][${t}] = ${m} must be 0 or 1`);
      if (m === 1) row.push(ids.data[b * length + t]!);
    }
    return row;
  });
}
