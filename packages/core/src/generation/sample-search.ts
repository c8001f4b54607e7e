import { GenerationConfigError } from '../errors.js';
import { type DecodingContext, type RowResult, logProbOf, rowOf, stepLogits, throwIfAborted } from './context.js';
import { applyProcessors } from './logits-processor-list.js';
import { SeededRandom } from './random.js';
import { softmax } from './softmax.js';
import { StopStrings } from './stop-strings.js';
import { type GenerationChunk, RowTextStreams } from './streaming.js';

/**
 * Greedy search (`doSample: false`: the most likely token) and multinomial sampling (`doSample: true`:
 * a draw from the processed distribution), one token per row per step. Each row stops on its own, at
 * eos or a stop string; finished rows are fed padding until every row is done or the length runs out.
 * Yields every step's tokens and returns the rows.
 */
export async function* sampleSearch(context: DecodingContext): AsyncGenerator<GenerationChunk, RowResult[]> {
  const { batch, config, processors, vocabSize } = context;
  const rows = batch.rows;
  // A row's random stream is its place among its prompt's copies, so a prompt samples the same
  // tokens alone or in any batch (identical prompts in one batch therefore agree: ask for
  // numReturnSequences to get different samples of one prompt).
  const random = Array.from({ length: rows }, (_, row) => new SeededRandom(config.seed, row % context.copies));
  const stops = config.stopStrings.length > 0 ? new StopStrings(config.tokenizer!, config.stopStrings) : undefined;
  const text = config.tokenizer ? new RowTextStreams(config.tokenizer, rows, config.skipSpecialTokens) : undefined;
  const generated: number[][] = Array.from({ length: rows }, () => []);
  const tokenScores: number[][] = Array.from({ length: rows }, () => []);
  const finished = new Array<boolean>(rows).fill(false);

  let logits = await stepLogits(context, batch.prefill());
  for (let step = 0; step < config.maxNewTokens; step++) {
    throwIfAborted(config.signal);
    const last = step === config.maxNewTokens - 1;
    const next = new Int32Array(rows).fill(config.padTokenId);
    const tokens: (number | null)[] = [];
    const pieces: string[] = [];
    for (let row = 0; row < rows; row++) {
      if (finished[row]) {
        tokens.push(null);
        pieces.push('');
        continue;
      }
      const scores = rowOf(logits, row, vocabSize);
      applyProcessors(processors, scores, batch.sequences[row]!, step);
      const token = config.doSample ? random[row]!.sample(softmax(scores)) : argmax(scores);
      if (token < 0 || scores[token] === -Infinity) {
        throw new GenerationConfigError(`generate: every token was ruled out for row ${row} at step ${step} (badWordsIds, noRepeatNgramSize or the warpers left none)`);
      }
      if (config.outputScores) tokenScores[row]!.push(logProbOf(scores, token));
      generated[row]!.push(token);
      next[row] = token;
      finished[row] = config.eosTokenId.includes(token) || (stops?.matches(batch.sequences[row]!, token) ?? false);
      tokens.push(token);
      pieces.push(text?.push(row, token, finished[row] || last) ?? '');
    }
    yield text ? { step, tokens, text: pieces } : { step, tokens };
    if (last || finished.every(Boolean)) break;
    logits = await stepLogits(context, batch.append(next));
  }
  return generated.map((tokens, row) => ({
    prompt: Math.floor(row / context.copies),
    tokens,
    ...(config.outputScores ? { tokenScores: tokenScores[row]! } : {}),
  }));
}

/** Index of the highest score (the first, on ties, as torch.argmax). */
function argmax(scores: Float32Array): number {
  let best = 0;
  for (let i = 1; i < scores.length; i++) if (scores[i]! > scores[best]!) best = i;
  return best;
}
