import { type CausalLM, type DecoderSession, type HostTensor, ShapeMismatchError, hostTensor } from '../../src/index.js';

/** A distribution over the vocabulary as a function of a row's real (unpadded) tokens so far. */
export type NextTokenProbs = (sequence: readonly number[]) => readonly number[];

/**
 * A causal LM whose next-token distribution is a known function of the prefix, so tests know every
 * probability exactly. Its logits are log-probabilities (0 → −∞). Sessions check what the driver
 * feeds them (shapes, a mask that only grows, left padding) and rebuild each row from the mask, so
 * padding that leaked into a row would change its distribution.
 */
export class TableLM implements CausalLM {
  readonly sessions: FakeSession[] = [];
  /** Called before every step with (session, step index); may throw or abort. */
  onStep?: (session: FakeSession, step: number) => void;

  constructor(
    readonly vocabSize: number,
    readonly probs: NextTokenProbs,
    readonly maxPositions = 64,
    readonly generationConfig?: Record<string, unknown>,
  ) {}

  startSession(rows: number, options: { useCache: boolean }): DecoderSession {
    const session = new FakeSession(this, rows, options.useCache);
    this.sessions.push(session);
    return session;
  }

  get liveSessions(): number {
    return this.sessions.filter((s) => !s.disposed).length;
  }

  logits(sequence: readonly number[]): number[] {
    const p = this.probs(sequence);
    if (p.length !== this.vocabSize) throw new Error(`table gives ${p.length} probabilities, vocab is ${this.vocabSize}`);
    return p.map((x) => Math.log(x));
  }
}

export class FakeSession implements DecoderSession {
  disposed = false;
  disposeCalls = 0;
  steps = 0;
  readonly reorders: Int32Array[] = [];
  /** Per row, the real tokens fed so far. */
  histories: number[][];
  private maskLength = 0;

  constructor(
    private readonly model: TableLM,
    readonly rows: number,
    readonly useCache: boolean,
  ) {
    this.histories = Array.from({ length: rows }, () => []);
  }

  async step(inputIds: HostTensor<'int32'>, attentionMask: HostTensor<'int32'>): Promise<HostTensor<'float32'>> {
    if (this.disposed) throw new Error('step on a disposed session');
    this.model.onStep?.(this, this.steps);
    const [rows, t] = inputIds.shape as [number, number];
    if (rows !== this.rows) throw new ShapeMismatchError('input_ids', [this.rows, null], inputIds.shape);
    if (this.steps > 0 && t !== 1) throw new ShapeMismatchError('input_ids', [rows, 1], inputIds.shape);
    if (attentionMask.shape[0] !== rows || attentionMask.shape[1] !== this.maskLength + t) {
      throw new ShapeMismatchError('attention_mask', [rows, this.maskLength + t], attentionMask.shape);
    }
    const width = this.maskLength + t;
    for (let row = 0; row < rows; row++) {
      const mask = attentionMask.data.subarray(row * width, (row + 1) * width);
      // Left padding: zeros, then ones to the end.
      const firstOne = mask.indexOf(1);
      if (firstOne < 0 || mask.subarray(firstOne).some((m) => m !== 1)) throw new Error(`row ${row}: mask ${mask} is not left-padded`);
      for (let j = 0; j < t; j++) if (mask[this.maskLength + j] === 1) this.histories[row]!.push(inputIds.data[row * t + j]!);
    }
    this.maskLength = width;
    this.steps++;
    const data = new Float32Array(rows * this.model.vocabSize);
    this.histories.forEach((history, row) => data.set(this.model.logits(history), row * this.model.vocabSize));
    return hostTensor(data, [rows, this.model.vocabSize]);
  }

  async reorder(sourceRows: Int32Array): Promise<void> {
    if (this.disposed) throw new Error('reorder on a disposed session');
    this.reorders.push(Int32Array.from(sourceRows));
    this.histories = Array.from(sourceRows, (s) => [...this.histories[s]!]);
  }

  dispose(): void {
    this.disposeCalls++;
    this.disposed = true;
  }
}

/** The same distribution whatever the prefix. */
export function unigram(p: readonly number[]): NextTokenProbs {
  return () => p;
}

/**
 * A distribution per generated suffix (tokens after a one-token prompt), keyed by the suffix joined
 * with ',' ('' for the first step); `fallback` for suffixes not in the table.
 */
export function tree(table: Record<string, readonly number[]>, fallback: readonly number[]): NextTokenProbs {
  return (sequence) => table[sequence.slice(1).join(',')] ?? fallback;
}

/** Pearson's chi-square statistic of observed counts against expected probabilities (over the cells with p > 0). */
export function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  let chi = 0;
  probs.forEach((p, i) => {
    if (p > 0) chi += (counts[i]! - n * p) ** 2 / (n * p);
  });
  return chi;
}

/** Counts of each token id. */
export function histogram(tokens: readonly number[], size: number): number[] {
  const counts = new Array<number>(size).fill(0);
  for (const t of tokens) counts[t]!++;
  return counts;
}

export function normalise(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  return weights.map((w) => w / total);
}
