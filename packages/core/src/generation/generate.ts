import { beamSearch } from './beam-search.js';
import { type DecodingContext, type RowResult, throwIfAborted } from './context.js';
import { DecodingBatch } from './batch.js';
import type { CausalLM } from './decoder.js';
import { logitsProcessorList } from './logits-processor-list.js';
import { type GenerateOptions, type GenerationConfig, resolveGenerationConfig } from './options.js';
import { type PromptIds, toPrompts } from './prompts.js';
import { sampleSearch } from './sample-search.js';
import type { GenerationChunk } from './streaming.js';

/**
 * What `generate` returns. Rows are per prompt, in order, `numReturnSequences` consecutive rows each.
 * Unlike Hugging Face, rows are not padded: each is its own prompt followed by exactly the tokens it
 * generated (ending in eos when it stopped on one), so rows have different lengths.
 */
export interface GenerateOutput {
  sequences: number[][];
  /**
   * With `outputScores`: per row, the log-probability of each generated token under the distribution it
   * was chosen from (after the processors, and the warpers when sampling; beam search: the processed
   * log-softmax, as HF's beam scores).
   */
  scores?: number[][];
  /** With `outputScores` and beam search: each returned hypothesis's length-penalised score (HF `sequence_scores`). */
  sequenceScores?: number[];
}

/**
 * Generates continuations of `inputIds` with `model`, as Hugging Face's `generate`: greedy search by
 * default, sampling with `doSample`, beam search with `numBeams` > 1 (see `GenerateOptions`). Prompts of
 * different lengths are left-padded into one batch; each row stops on its own.
 */
export async function generate(model: CausalLM, inputIds: PromptIds, options: GenerateOptions = {}): Promise<GenerateOutput> {
  const stream = generateStream(model, inputIds, options);
  for (;;) {
    const next = await stream.next();
    if (next.done) return next.value;
  }
}

/**
 * `generate` as an async iterator of steps (each row's new token, and its text with a tokenizer); the
 * iterator's return value is the `GenerateOutput`. Breaking out of the loop stops generation and frees
 * the session. Beam search yields nothing until it is done (HF does not stream beams either).
 */
export async function* generateStream(model: CausalLM, inputIds: PromptIds, options: GenerateOptions = {}): AsyncGenerator<GenerationChunk, GenerateOutput> {
  const prompts = toPrompts(inputIds, options.attentionMask, model.vocabSize);
  const config = resolveGenerationConfig(model, options, Math.max(...prompts.map((p) => p.length)));
  throwIfAborted(config.signal);
  // HF expands each prompt into its beams, or into its sampled sequences.
  const copies = config.numBeams > 1 ? config.numBeams : config.numReturnSequences;
  const rows = Array.from({ length: prompts.length * copies }, (_, row) => prompts[Math.floor(row / copies)]!);
  const session = model.startSession(rows.length, { useCache: config.useCache });
  try {
    const context: DecodingContext = {
      session,
      batch: new DecodingBatch(rows, config.padTokenId),
      config,
      processors: logitsProcessorList(config),
      vocabSize: model.vocabSize,
      copies,
    };
    let results: RowResult[];
    if (config.numBeams > 1) {
      results = await beamSearch(context);
    } else {
      const search = sampleSearch(context);
      for (let next = await search.next(); ; next = await search.next()) {
        if (next.done) {
          results = next.value;
          break;
        }
        config.streamer?.put(next.value);
        yield next.value;
      }
    }
    config.streamer?.end?.();
    return output(prompts, results, config);
  } finally {
    session.dispose();
  }
}

function output(prompts: number[][], results: RowResult[], config: GenerationConfig): GenerateOutput {
  const out: GenerateOutput = { sequences: results.map((r) => [...prompts[r.prompt]!, ...r.tokens]) };
  if (config.outputScores) {
    out.scores = results.map((r) => r.tokenScores!);
    if (config.numBeams > 1) out.sequenceScores = results.map((r) => r.sequenceScore!);
  }
  return out;
}
