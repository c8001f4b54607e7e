import { IGNORE_INDEX, InputError } from '@attnjs/core';
import { checkOptions } from '@attnjs/core/internal';
import { Random } from '../random.js';
import type { TokenizedExample } from './tokenize.js';

export interface ShuffleOptions {
  /** Examples held at once; a larger buffer shuffles more thoroughly (Hugging Face `buffer_size`). */
  readonly bufferSize: number;
  /** Seeds a generator of the shuffle's own (Hugging Face `seed`), so a rerun draws the same order… */
  readonly seed?: number;
  /** …or draw from this one, e.g. `trainer.random` (then the order depends on what else drew from it). */
  readonly random?: Random;
}

/**
 * Hugging Face datasets' buffered shuffle for streams: fill a buffer, then for each new example emit a
 * random buffered one and put the new one in its place; at the end emit the rest in random order.
 */
export async function* shuffleStream<T>(source: AsyncIterable<T> | Iterable<T>, options: ShuffleOptions): AsyncGenerator<T> {
  checkOptions(options, ['bufferSize', 'seed', 'random'], 'shuffleStream');
  const { bufferSize } = options;
  if (!Number.isInteger(bufferSize) || bufferSize < 1) throw new InputError(`shuffleStream bufferSize must be an integer ≥ 1, got ${bufferSize}`);
  if ((options.seed === undefined) === (options.random === undefined)) throw new InputError('shuffleStream needs a seed or a random generator (one of them)');
  const random = options.random ?? new Random(options.seed!);
  const buffer: T[] = [];
  for await (const item of source) {
    if (buffer.length < bufferSize) {
      buffer.push(item);
      continue;
    }
    const i = random.int(bufferSize);
    yield buffer[i]!;
    buffer[i] = item;
  }
  for (const i of random.permutation(buffer.length)) yield buffer[i]!;
}

/** A batch padded to its longest example (dynamic padding, as Hugging Face's DataCollatorWithPadding). */
export interface PaddedBatch {
  inputIds: number[][];
  attentionMask: number[][];
  tokenTypeIds: number[][];
  /** Per-token labels padded with −100, or one label per example. Absent when examples have none. */
  labels?: number[][] | number[];
}

export interface PadOptions {
  readonly batchSize: number;
  readonly padTokenId: number;
  /** Round each batch's length up to a multiple of this (tensor-core friendly shapes); default 1. */
  readonly padToMultipleOf?: number;
  /** Drop a last batch smaller than `batchSize`; default false. */
  readonly dropLast?: boolean;
}

/** Groups examples into batches of `batchSize`, each right-padded only to its own longest example. */
export async function* padBatches(examples: AsyncIterable<TokenizedExample> | Iterable<TokenizedExample>, options: PadOptions): AsyncGenerator<PaddedBatch> {
  checkOptions(options, ['batchSize', 'padTokenId', 'padToMultipleOf', 'dropLast'], 'padBatches');
  const { batchSize, padTokenId, padToMultipleOf = 1, dropLast = false } = options;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InputError(`padBatches batchSize must be an integer ≥ 1, got ${batchSize}`);
  if (!Number.isInteger(padTokenId) || padTokenId < 0) throw new InputError(`padBatches padTokenId must be an integer ≥ 0, got ${padTokenId}`);
  if (!Number.isInteger(padToMultipleOf) || padToMultipleOf < 1) throw new InputError(`padBatches padToMultipleOf must be an integer ≥ 1, got ${padToMultipleOf}`);
  let pending: TokenizedExample[] = [];
  for await (const example of examples) {
    pending.push(example);
    if (pending.length === batchSize) {
      yield pad(pending, padTokenId, padToMultipleOf);
      pending = [];
    }
  }
  if (pending.length > 0 && !dropLast) yield pad(pending, padTokenId, padToMultipleOf);
}

function pad(examples: readonly TokenizedExample[], padTokenId: number, multiple: number): PaddedBatch {
  const longest = Math.max(...examples.map((e) => e.inputIds.length));
  const length = Math.ceil(longest / multiple) * multiple;
  const fill = (row: readonly number[], value: number) => [...row, ...new Array<number>(length - row.length).fill(value)];
  const batch: PaddedBatch = {
    inputIds: examples.map((e) => fill(e.inputIds, padTokenId)),
    attentionMask: examples.map((e) => fill(new Array<number>(e.inputIds.length).fill(1), 0)),
    tokenTypeIds: examples.map((e) => fill(e.tokenTypeIds, 0)),
  };
  const kinds = new Set(examples.map((e) => (e.labels === undefined ? 'none' : typeof e.labels === 'number' ? 'class' : 'tokens')));
  if (kinds.size > 1) {
    const where = examples.map((e) => `${e.file}:${e.line}`).join(', ');
    throw new InputError(`padBatches: examples mix ${[...kinds].join(' and ')} labels (${where})`);
  }
  const kind = [...kinds][0];
  if (kind === 'class') batch.labels = examples.map((e) => e.labels as number);
  if (kind === 'tokens') batch.labels = examples.map((e) => fill(e.labels as number[], IGNORE_INDEX));
  return batch;
}

/**
 * Adapts a stream to `Trainer.train`'s `batch(index)`: batches are taken in order from `stream(epoch)`,
 * a new epoch's stream begins when one runs out, and an index ahead of the stream (a resumed run) skips
 * forward, so a resumed run sees the batches an uninterrupted one would (given a seeded shuffle).
 */
export function sequentialBatches<B>(stream: (epoch: number) => AsyncIterable<B> | Iterable<B>): (index: number) => Promise<B> {
  let epoch = 0;
  let next = 0;
  let epochBatches = 0;
  let iterator: AsyncIterator<B> | Iterator<B> | undefined;
  const open = () => {
    const source = stream(epoch);
    iterator = Symbol.asyncIterator in source ? (source as AsyncIterable<B>)[Symbol.asyncIterator]() : (source as Iterable<B>)[Symbol.iterator]();
  };
  return async (index: number) => {
    if (!Number.isInteger(index) || index < next) throw new InputError(`sequentialBatches: batch ${index} asked for after batch ${next - 1}; a stream only goes forward`);
    for (;;) {
      if (!iterator) open();
      const result = await iterator!.next();
      if (result.done) {
        if (epochBatches === 0) throw new InputError(`sequentialBatches: the stream of epoch ${epoch} gave no batches`);
        epoch++;
        epochBatches = 0;
        iterator = undefined;
        continue;
      }
      epochBatches++;
      if (next++ === index) return result.value;
    }
  };
}
