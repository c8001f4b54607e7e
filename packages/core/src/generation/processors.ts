/**
 * Logits processors: one per decoding option, each rewriting one row's scores in place, applied in
 * Hugging Face's order by `logitsProcessorList`. These change which tokens are allowed (greedy,
 * sampling and beam search alike); the sampling-only warpers are in warpers.ts.
 */

/** Rewrites a row of next-token scores. */
export interface LogitsProcessor {
  /**
   * `scores`: one row's scores over the vocabulary (logits, or log-probabilities in beam search).
   * `sequence`: that row's tokens so far, prompt (without padding) then generated.
   * `step`: how many tokens the row has generated before this one.
   */
  process(scores: Float32Array, sequence: readonly number[], step: number): void;
}

/**
 * HF `RepetitionPenaltyLogitsProcessor` (CTRL): every token already in the sequence, prompt included,
 * has its score divided by `penalty` when positive and multiplied by it when negative, so
 * `penalty` > 1 always makes repeats less likely.
 */
export class RepetitionPenaltyProcessor implements LogitsProcessor {
  constructor(private readonly penalty: number) {}

  process(scores: Float32Array, sequence: readonly number[]): void {
    for (const id of new Set(sequence)) {
      const score = scores[id]!;
      scores[id] = score < 0 ? score * this.penalty : score / this.penalty;
    }
  }
}

/**
 * HF `NoRepeatNGramLogitsProcessor`: bans any token that would complete an n-gram already present in
 * the sequence, so no n-gram occurs twice.
 */
export class NoRepeatNGramProcessor implements LogitsProcessor {
  constructor(private readonly size: number) {}

  process(scores: Float32Array, sequence: readonly number[]): void {
    const n = this.size;
    const length = sequence.length;
    if (length + 1 < n) return;
    const prefixStart = length - n + 1; // the last n−1 tokens, which the next token extends
    for (let start = 0; start + n - 1 < length; start++) {
      let matches = true;
      for (let k = 0; k < n - 1 && matches; k++) matches = sequence[start + k] === sequence[prefixStart + k];
      if (matches) scores[sequence[start + n - 1]!] = -Infinity;
    }
  }
}

/**
 * HF `NoBadWordsLogitsProcessor`: a one-token bad word is always banned; the last token of a longer one
 * is banned when the sequence ends with the rest of it.
 */
export class NoBadWordsProcessor implements LogitsProcessor {
  constructor(private readonly badWords: readonly (readonly number[])[]) {}

  process(scores: Float32Array, sequence: readonly number[]): void {
    for (const word of this.badWords) {
      const prefix = word.length - 1;
      if (prefix > sequence.length) continue;
      let matches = true;
      for (let k = 0; k < prefix && matches; k++) matches = sequence[sequence.length - prefix + k] === word[k];
      if (matches) scores[word[prefix]!] = -Infinity;
    }
  }
}

/** HF `MinNewTokensLengthLogitsProcessor`: eos is banned until `minNewTokens` tokens have been generated. */
export class MinNewTokensProcessor implements LogitsProcessor {
  constructor(
    private readonly minNewTokens: number,
    private readonly eosTokenIds: readonly number[],
  ) {}

  process(scores: Float32Array, _sequence: readonly number[], step: number): void {
    if (step >= this.minNewTokens) return;
    for (const id of this.eosTokenIds) scores[id] = -Infinity;
  }
}

/** HF `ForcedEOSTokenLogitsProcessor`: the last token the length allows must be (one of) the forced eos. */
export class ForcedEosProcessor implements LogitsProcessor {
  constructor(
    private readonly lastStep: number,
    private readonly eosTokenIds: readonly number[],
  ) {}

  process(scores: Float32Array, _sequence: readonly number[], step: number): void {
    if (step !== this.lastStep) return;
    scores.fill(-Infinity);
    for (const id of this.eosTokenIds) scores[id] = 0;
  }
}
