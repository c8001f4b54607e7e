import type { EarlyStopping } from './options.js';

/** A finished hypothesis: its generated tokens and its length-penalised score. */
export interface Hypothesis {
  readonly tokens: number[];
  readonly score: number;
  readonly tokenScores: number[];
}

/**
 * HF `BeamHypotheses`: the `numBeams` best finished hypotheses of one prompt, scored as
 * sum of log-probabilities / (generated length ^ lengthPenalty), and the test of whether any open
 * beam can still beat the worst of them (`earlyStopping`).
 */
export class BeamHypotheses {
  readonly beams: Hypothesis[] = [];
  private worstScore = 1e9;

  constructor(
    private readonly numBeams: number,
    private readonly lengthPenalty: number,
    private readonly earlyStopping: EarlyStopping,
    private readonly maxNewTokens: number,
  ) {}

  /** Offers a hypothesis of `tokens.length` generated tokens whose log-probabilities sum to `sumLogProbs`. */
  add(tokens: number[], sumLogProbs: number, tokenScores: number[]): void {
    const score = sumLogProbs / tokens.length ** this.lengthPenalty;
    if (this.beams.length >= this.numBeams && score <= this.worstScore) return;
    this.beams.push({ tokens, score, tokenScores });
    if (this.beams.length > this.numBeams) {
      const order = this.beams.map((b, i) => [b.score, i] as const).sort((a, b) => a[0] - b[0]);
      this.beams.splice(order[0]![1], 1);
      this.worstScore = order[1]![0];
    } else {
      this.worstScore = Math.min(score, this.worstScore);
    }
  }

  /**
   * Whether this prompt is done, given the best open beam's summed log-probability after
   * `generatedLength` tokens. True: as soon as `numBeams` hypotheses are finished. False: when the best
   * beam, scored at the current length, cannot beat the worst finished one (HF's heuristic). 'never':
   * the same with the most favourable length the beam could still reach.
   */
  isDone(bestSumLogProbs: number, generatedLength: number): boolean {
    if (this.beams.length < this.numBeams) return false;
    if (this.earlyStopping === true) return true;
    const length = this.earlyStopping === 'never' && this.lengthPenalty > 0 ? this.maxNewTokens : generatedLength;
    return this.worstScore >= bestSumLogProbs / length ** this.lengthPenalty;
  }

  /** The best `count` hypotheses, best first (on a tie, the one added last, as HF's stable sort then pop). */
  best(count: number): Hypothesis[] {
    const order = this.beams.map((_, i) => i).sort((a, b) => this.beams[b]!.score - this.beams[a]!.score || b - a);
    return order.slice(0, count).map((i) => this.beams[i]!);
  }
}
