import type { LogitsProcessor } from './processors.js';
import { argsort, kthLargest, logSoftmax, softmax } from './softmax.js';

/**
 * Logits warpers: they reshape the distribution sampling draws from, so Hugging Face applies them only
 * when `doSample` is true, after the processors, in this file's order. A removed token gets −∞.
 * `minTokensToKeep` (HF's `min_tokens_to_keep`: 2 in beam sampling, else 1) keeps that many of the
 * most likely tokens whatever the threshold says.
 */

/** HF `TemperatureLogitsWarper`: logits / temperature (< 1 sharpens, > 1 flattens). */
export class TemperatureWarper implements LogitsProcessor {
  constructor(private readonly temperature: number) {}

  process(scores: Float32Array): void {
    for (let i = 0; i < scores.length; i++) scores[i]! /= this.temperature;
  }
}

/** HF `TopKLogitsWarper`: keeps the `topK` highest scores (and every token tied with the k-th). */
export class TopKWarper implements LogitsProcessor {
  constructor(
    private readonly topK: number,
    private readonly minTokensToKeep = 1,
  ) {}

  process(scores: Float32Array): void {
    const threshold = kthLargest(scores, Math.min(Math.max(this.topK, this.minTokensToKeep), scores.length));
    for (let i = 0; i < scores.length; i++) if (scores[i]! < threshold) scores[i] = -Infinity;
  }
}

/**
 * HF `TopPLogitsWarper` (nucleus): keeps the smallest set of most likely tokens whose probabilities
 * add up to at least `topP` (at least one token). HF removes, from the least likely end, every token
 * whose probability and that of all less likely tokens add up to at most 1 − topP; the same test is
 * made here from the likely end on the sorted probabilities (a native sort: an index sort with a
 * comparator is ten times slower on a 50k vocabulary). Ties at the cut-off keep the lower ids.
 */
export class TopPWarper implements LogitsProcessor {
  constructor(
    private readonly topP: number,
    private readonly minTokensToKeep = 1,
  ) {}

  process(scores: Float32Array): void {
    const probs = softmax(scores);
    const minKeep = Math.max(1, this.minTokensToKeep);
    // Only tokens of probability ≥ (1 − topP) / vocab can be kept: all the others together weigh less
    // than 1 − topP, so the walk below stops before reaching them. Sorting just these is much cheaper.
    let descending = probs.filter((p) => p >= (1 - this.topP) / probs.length);
    if (descending.length < minKeep) descending = Float64Array.from(probs);
    descending.sort().reverse();
    let total = 0;
    for (const p of probs) total += p;
    let kept = 0;
    let above = 0; // mass of the tokens more likely than the one at `kept`
    while (kept < descending.length && (kept < minKeep || total - above > 1 - this.topP)) above += descending[kept++]!;
    const cutoff = descending[kept - 1]!;
    let tiesLeft = 0; // how many tokens at exactly the cut-off probability stay
    for (let j = kept - 1; j >= 0 && descending[j] === cutoff; j--) tiesLeft++;
    for (let i = 0; i < scores.length; i++) {
      if (probs[i]! > cutoff) continue;
      if (probs[i] === cutoff && tiesLeft > 0) tiesLeft--;
      else scores[i] = -Infinity;
    }
  }
}

/** HF `MinPLogitsWarper`: removes tokens less likely than `minP` × the most likely token's probability. */
export class MinPWarper implements LogitsProcessor {
  constructor(
    private readonly minP: number,
    private readonly minTokensToKeep = 1,
  ) {}

  process(scores: Float32Array): void {
    const probs = softmax(scores);
    // minP ≤ 1, so the most likely token always stays; minTokensToKeep may lower the bar further.
    const threshold = Math.min(this.minP * kthLargest(probs, 1), kthLargest(probs, Math.min(this.minTokensToKeep, probs.length)));
    for (let i = 0; i < scores.length; i++) if (probs[i]! < threshold) scores[i] = -Infinity;
  }
}

/**
 * HF `TypicalLogitsWarper` (locally typical sampling): ranks tokens by how far their information
 * (−log p) is from the distribution's entropy, and keeps the closest ones until their probabilities
 * reach `typicalP`.
 */
export class TypicalWarper implements LogitsProcessor {
  constructor(
    private readonly typicalP: number,
    private readonly minTokensToKeep = 1,
  ) {}

  process(scores: Float32Array): void {
    const logProbs = logSoftmax(scores);
    let entropy = 0;
    for (const lp of logProbs) if (lp > -Infinity) entropy -= lp * Math.exp(lp);
    const distance = logProbs.map((lp) => Math.abs(-lp - entropy));
    const order = argsort(distance);
    let cumulative = 0;
    let last = 0; // rank of the token that brings the kept mass to typicalP
    while (last < order.length - 1 && (cumulative += Math.exp(logProbs[order[last]!]!)) < this.typicalP) last++;
    // At least the minTokensToKeep closest tokens stay (the limit is at least their distance).
    const limit = Math.max(distance[order[last]!]!, distance[order[Math.min(this.minTokensToKeep, order.length) - 1]!]!);
    for (let i = 0; i < scores.length; i++) if (distance[i]! > limit) scores[i] = -Infinity;
  }
}
