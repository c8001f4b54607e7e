import type { LogitsProcessor } from './processors.js';
import { argsort, logSoftmax, softmax } from './softmax.js';

/**
 * Logits warpers: they reshape the distribution sampling draws from, so Hugging Face applies them only
 * when `doSample` is true, after the processors, in this file's order. A removed token gets −∞.
 * `minTokensToKeep` keeps that many of the best tokens whatever the threshold says.
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
    const k = Math.min(Math.max(this.topK, this.minTokensToKeep), scores.length);
    const threshold = Float32Array.from(scores).sort()[scores.length - k]!;
    for (let i = 0; i < scores.length; i++) if (scores[i]! < threshold) scores[i] = -Infinity;
  }
}

/**
 * HF `TopPLogitsWarper` (nucleus): keeps the smallest set of most likely tokens whose probabilities
 * add up to at least `topP`. Computed as HF does, from the least likely end: a token goes when the
 * probability of it and every less likely token is at most 1 − topP.
 */
export class TopPWarper implements LogitsProcessor {
  constructor(
    private readonly topP: number,
    private readonly minTokensToKeep = 1,
  ) {}

  process(scores: Float32Array): void {
    const probs = softmax(scores);
    const ascending = argsort(scores);
    const keepFrom = scores.length - this.minTokensToKeep;
    let cumulative = 0;
    for (let rank = 0; rank < keepFrom; rank++) {
      const id = ascending[rank]!;
      cumulative += probs[id]!;
      if (cumulative > 1 - this.topP) break;
      scores[id] = -Infinity;
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
    const threshold = this.minP * Math.max(...probs);
    const descending = argsort(scores, true);
    for (let rank = this.minTokensToKeep; rank < scores.length; rank++) {
      const id = descending[rank]!;
      if (probs[id]! < threshold) scores[id] = -Infinity;
    }
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
    const limit = distance[order[last]!]!;
    for (let rank = this.minTokensToKeep; rank < order.length; rank++) {
      const id = order[rank]!;
      if (distance[id]! > limit) scores[id] = -Infinity;
    }
  }
}
