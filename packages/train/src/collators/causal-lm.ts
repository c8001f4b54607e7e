import { InputError } from '@attnjs/core';

/**
 * Hugging Face's `group_texts`: concatenates tokenized documents (each followed by `separatorId` when
 * given, e.g. GPT-2's <|endoftext|>) and cuts the stream into blocks of `blockSize`, dropping the remainder.
 */
export function packBlocks(documents: readonly (readonly number[])[], blockSize: number, separatorId?: number): number[][] {
  if (!Number.isInteger(blockSize) || blockSize < 2) throw new InputError(`packBlocks blockSize must be an integer ≥ 2, got ${blockSize}`);
  const stream: number[] = [];
  for (const doc of documents) {
    for (const id of doc) stream.push(id);
    if (separatorId !== undefined) stream.push(separatorId);
  }
  const blocks: number[][] = [];
  for (let start = 0; start + blockSize <= stream.length; start += blockSize) blocks.push(stream.slice(start, start + blockSize));
  return blocks;
}

/** A causal-LM batch of full blocks: labels are the ids (the model shifts them), no padding to mask. */
export function causalLMBatch(blocks: readonly (readonly number[])[]): { inputIds: number[][]; labels: number[][] } {
  const length = blocks[0]?.length;
  if (length === undefined || blocks.some((b) => b.length !== length)) {
    throw new InputError('causalLMBatch needs one or more blocks of equal length (see packBlocks)');
  }
  return { inputIds: blocks.map((b) => [...b]), labels: blocks.map((b) => [...b]) };
}
