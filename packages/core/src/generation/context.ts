import { AbortError, ShapeMismatchError } from '../errors.js';
import type { StepFeeds, DecodingBatch } from './batch.js';
import type { DecoderSession } from './decoder.js';
import type { LogitsProcessor } from './processors.js';
import type { GenerationConfig } from './options.js';

/** What a search loop works with; `generate` builds it and frees the session afterwards. */
export interface DecodingContext {
  readonly session: DecoderSession;
  readonly batch: DecodingBatch;
  readonly config: GenerationConfig;
  readonly processors: readonly LogitsProcessor[];
  readonly vocabSize: number;
  /** Session rows per prompt (its beams, or its sampled sequences): row r continues prompt ⌊r / copies⌋. */
  readonly copies: number;
}

/** One returned sequence. */
export interface RowResult {
  readonly prompt: number;
  /** The generated tokens (ending in eos when the row stopped on one). */
  readonly tokens: number[];
  readonly tokenScores?: number[];
  readonly sequenceScore?: number;
}

/** Runs a session step and checks that the logits are [rows, vocabSize]. */
export async function stepLogits(context: DecodingContext, feeds: StepFeeds): Promise<Float32Array> {
  const logits = await context.session.step(feeds.inputIds, feeds.attentionMask);
  const expected = [context.batch.rows, context.vocabSize];
  if (logits.shape.length !== 2 || logits.shape[0] !== expected[0] || logits.shape[1] !== expected[1]) {
    throw new ShapeMismatchError('logits (from DecoderSession.step)', expected, logits.shape);
  }
  return logits.data;
}

/** One row of the logits, copied so processors can rewrite it. */
export function rowOf(logits: Float32Array, row: number, vocabSize: number): Float32Array {
  return logits.slice(row * vocabSize, (row + 1) * vocabSize);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new AbortError('generate was aborted through its signal', { cause: signal.reason });
}

/** log softmax(scores)[token], without materialising the whole row. */
export function logProbOf(scores: Float32Array, token: number): number {
  let max = -Infinity;
  for (const s of scores) if (s > max) max = s;
  let sum = 0;
  for (const s of scores) sum += Math.exp(s - max);
  return scores[token]! - max - Math.log(sum);
}
