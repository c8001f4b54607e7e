import { describe, expect, it } from 'vitest';
import { generate } from '../../src/index.js';
import { TableLM, chiSquare, histogram, tree, unigram } from './fake-lm.js';

// Vocabulary: 0 = A, 1 = B, 2 = C, 3 = EOS. Prompts are one token; `tree` keys are the generated suffix.
const EOS = 3;
const FLAT = [0.25, 0.25, 0.25, 0.25];

/** Summed log-probability of `generated` after `prompt` under the model (an independent scoring). */
function logProb(model: TableLM, prompt: number[], generated: number[]): number {
  let total = 0;
  const seq = [...prompt];
  for (const token of generated) {
    total += Math.log(model.probs(seq)[token]!);
    seq.push(token);
  }
  return total;
}

/**
 * Every hypothesis a complete search would consider: sequences ending in EOS within `maxNew` tokens,
 * and the sequences of exactly `maxNew` tokens without EOS, scored as HF (sum / length^lengthPenalty).
 */
function exhaustive(model: TableLM, prompt: number[], maxNew: number, lengthPenalty: number): { tokens: number[]; score: number }[] {
  const out: { tokens: number[]; score: number }[] = [];
  const visit = (tokens: number[]) => {
    for (let t = 0; t < model.vocabSize; t++) {
      const next = [...tokens, t];
      const sum = logProb(model, prompt, next);
      if (sum === -Infinity) continue;
      if (t === EOS || next.length === maxNew) out.push({ tokens: next, score: sum / next.length ** lengthPenalty });
      else visit(next);
    }
  };
  visit([]);
  return out.sort((a, b) => b.score - a.score);
}

// Greedy takes A (0.5), after which every continuation is flat; B (0.4) then C (0.9) is far likelier.
const TRAP = tree(
  {
    '': [0.5, 0.4, 0.0, 0.1],
    '0': [0.3, 0.3, 0.3, 0.1],
    '1': [0.02, 0.04, 0.9, 0.04],
  },
  [0.01, 0.01, 0.01, 0.97],
);

describe('beam search', () => {
  it('finds a more likely sequence than greedy where greedy is trapped', async () => {
    const model = new TableLM(4, TRAP);
    const greedy = (await generate(model, [0], { maxNewTokens: 3, eosTokenId: EOS })).sequences[0]!.slice(1);
    const beam = (await generate(model, [0], { maxNewTokens: 3, eosTokenId: EOS, numBeams: 2 })).sequences[0]!.slice(1);
    expect(greedy).toEqual([0, 0, EOS]);
    expect(beam).toEqual([1, 2, EOS]);
    expect(logProb(model, [0], beam)).toBeGreaterThan(logProb(model, [0], greedy));
  });

  it.each([0, 1, 2, -1])('with enough beams and earlyStopping "never" it is exact (lengthPenalty %s)', async (lengthPenalty) => {
    // A tree where every prefix has its own distribution, so hypotheses differ in length and score.
    const probs = (sequence: readonly number[]) => {
      const h = sequence.reduce((a, t, i) => a * 31 + (t + 1) * (i + 7), 17);
      const raw = [1 + (h % 5), 1 + ((h >> 3) % 7), 1 + ((h >> 5) % 3), 1 + ((h >> 2) % 6)];
      const sum = raw.reduce((a, b) => a + b, 0);
      return raw.map((x) => x / sum);
    };
    const model = new TableLM(4, probs);
    const maxNew = 3;
    const all = exhaustive(model, [0], maxNew, lengthPenalty);
    // 1 + 3 + 9 + 27 = 40 hypotheses: 40 beams keep them all and never drop an eos candidate.
    const out = await generate(model, [0], {
      maxNewTokens: maxNew, eosTokenId: EOS, numBeams: 40, numReturnSequences: 3, lengthPenalty, earlyStopping: 'never', outputScores: true,
    });
    expect(out.sequences.map((s) => s.slice(1))).toEqual(all.slice(0, 3).map((h) => h.tokens));
    out.sequenceScores!.forEach((score, i) => expect(score).toBeCloseTo(all[i]!.score, 5));
  });

  it('length penalty changes the winner as computed by hand', async () => {
    // Short: EOS at once, ln 0.45 = −0.799. Long: A then B then EOS, ln 0.45 + ln 0.6 + ln 0.6 = −1.820.
    // lengthPenalty 0 compares sums (short wins); 1 compares −0.799 / 1 with −1.820 / 3 = −0.607 (long wins).
    const model = new TableLM(4, tree({ '': [0.45, 0, 0.1, 0.45], '0': [0, 0.6, 0.2, 0.2], '0,1': [0, 0.4, 0, 0.6] }, [0, 0, 0.1, 0.9]));
    const run = (lengthPenalty: number) =>
      generate(model, [0], { maxNewTokens: 3, eosTokenId: EOS, numBeams: 2, lengthPenalty, outputScores: true });
    const sums = await run(0);
    expect(sums.sequences[0]).toEqual([0, EOS]);
    expect(sums.sequenceScores![0]).toBeCloseTo(Math.log(0.45), 5);
    const perToken = await run(1);
    expect(perToken.sequences[0]).toEqual([0, 0, 1, EOS]);
    expect(perToken.sequenceScores![0]).toBeCloseTo((Math.log(0.45) + 2 * Math.log(0.6)) / 3, 5);
  });

  it('earlyStopping true stops at numBeams finished hypotheses; false and "never" keep looking', async () => {
    // Step 1 finishes EOS (−0.799); step 2 finishes A EOS ((−0.799 − 0.693) / 2 = −0.746): two hypotheses.
    // Continuing finds A B EOS (−1.492 / 3 = −0.497), which only the non-early modes reach.
    const model = new TableLM(4, tree({ '': [0.45, 0, 0.1, 0.45], '0': [0, 0.5, 0, 0.5], '0,1': [0, 0, 0, 1], '2': [0, 0.1, 0, 0.9] }, [0.25, 0.25, 0.25, 0.25]));
    const run = async (earlyStopping: boolean | 'never') =>
      (await generate(model, [0], { maxNewTokens: 4, eosTokenId: EOS, numBeams: 2, earlyStopping })).sequences[0]!.slice(1);
    expect(await run(true)).toEqual([0, EOS]);
    expect(await run(false)).toEqual([0, 1, EOS]);
    expect(await run('never')).toEqual([0, 1, EOS]);
  });

  it('reorders the session so each beam continues its own history', async () => {
    const model = new TableLM(4, TRAP);
    await generate(model, [0], { maxNewTokens: 3, eosTokenId: EOS, numBeams: 2 });
    const session = model.sessions[0]!;
    expect(session.rows).toBe(2);
    expect(session.reorders.length).toBeGreaterThan(0);
    // The fake computes logits from its own histories, which only `reorder` moves: the session's
    // rows must end as the driver's beams (B C, and A-something), prompt first.
    expect(session.histories.map((h) => h.slice(0, 3))).toContainEqual([0, 1, 2]);
    expect(model.liveSessions).toBe(0);
  });

  it('each prompt of a batch gets its own beams, as alone', async () => {
    // Prompt [4, 4, 4] has its own tree (C then A); token 4 only appears in prompts.
    const other = tree({ '': [0.1, 0.1, 0.7, 0.1], '2': [0.8, 0.1, 0, 0.1] }, [0.01, 0.01, 0.01, 0.97]);
    const model = new TableLM(5, (seq) => [...(seq[0] === 4 ? other([0, ...seq.slice(3)]) : TRAP(seq)), 0]);
    const options = { maxNewTokens: 3, eosTokenId: EOS, numBeams: 2, numReturnSequences: 2 };
    const alone0 = await generate(model, [0], options);
    const alone1 = await generate(model, [4, 4, 4], options);
    expect(alone1.sequences[0]).toEqual([4, 4, 4, 2, 0, EOS]);
    expect(alone0.sequences[0]).toEqual([0, 1, 2, EOS]);
    const both = await generate(model, [[0], [4, 4, 4]], options);
    expect(both.sequences).toEqual([...alone0.sequences, ...alone1.sequences]);
  });

  it('numReturnSequences returns the best hypotheses, best first', async () => {
    const model = new TableLM(4, TRAP);
    const out = await generate(model, [0], { maxNewTokens: 3, eosTokenId: EOS, numBeams: 3, numReturnSequences: 3, outputScores: true });
    expect(out.sequences).toHaveLength(3);
    const scores = out.sequenceScores!;
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    // Each sequence score is its summed token scores over its length (lengthPenalty 1).
    out.scores!.forEach((tokenScores, i) => {
      const sum = tokenScores.reduce((a, b) => a + b, 0);
      expect(scores[i]).toBeCloseTo(sum / tokenScores.length, 6);
      expect(sum).toBeCloseTo(logProb(model, [0], out.sequences[i]!.slice(1)), 5);
    });
  });
});

describe('beam sampling (numBeams > 1 with doSample)', () => {
  const P = [0.13, 0.12, 0.11, 0.1, 0.09, 0.09, 0.08, 0.08, 0.07, 0.06, 0.04, 0.03];

  /**
   * One step with 2 beams draws 2 × 2 = 4 continuations without replacement (only the first beam is
   * live at the start) and returns the best of them: the most likely token among 4 distinct draws.
   * Its distribution, by enumerating every ordered draw.
   */
  function bestOfFourDraws(): number[] {
    const out = new Array<number>(P.length).fill(0);
    const visit = (drawn: number[], prob: number) => {
      if (drawn.length === 4) {
        out[Math.min(...drawn)]! += prob; // P is sorted, so the lowest id is the most likely
        return;
      }
      const left = 1 - drawn.reduce((a, t) => a + P[t]!, 0);
      P.forEach((p, t) => {
        if (!drawn.includes(t)) visit([...drawn, t], (prob * p) / left);
      });
    };
    visit([], 1);
    return out;
  }

  it('draws continuations without replacement in proportion to their probabilities', async () => {
    const model = new TableLM(P.length, unigram(P));
    const tokens: number[] = [];
    for (let seed = 0; seed < 2000; seed++) {
      const out = await generate(model, [0], { maxNewTokens: 1, numBeams: 2, doSample: true, topK: 0, seed });
      tokens.push(out.sequences[0]![1]!);
    }
    // Tokens 0–3 in their own cells, the rarer rest in one (so every cell expects 100+ draws).
    const merge = (xs: number[]) => [...xs.slice(0, 4), xs.slice(4).reduce((a, b) => a + b, 0)];
    const expected = merge(bestOfFourDraws());
    // Greedy beam search would always return token 0; here it wins only about half the time.
    expect(expected[0]).toBeLessThan(0.6);
    expect(chiSquare(merge(histogram(tokens, P.length)), expected)).toBeLessThan(18.47); // 4 df, 0.001 level
  });

  it('keeps to the warpers, is reproducible by seed, and each prompt draws as alone', async () => {
    const model = new TableLM(P.length, unigram(P));
    const options = { maxNewTokens: 4, numBeams: 2, numReturnSequences: 2, doSample: true, topK: 3 } as const;
    const tokensSeen = async (topK: number) => {
      const seen = new Set<number>();
      const results = new Set<string>();
      for (let seed = 0; seed < 40; seed++) {
        const out = await generate(model, [0], { ...options, topK, seed });
        out.sequences.forEach((s) => s.slice(1).forEach((t) => seen.add(t)));
        results.add(JSON.stringify(out.sequences));
      }
      expect(results.size).toBeGreaterThan(5);
      return [...seen];
    };
    expect((await tokensSeen(3)).every((t) => t < 3)).toBe(true);
    expect((await tokensSeen(0)).some((t) => t >= 3)).toBe(true);
    const a = await generate(model, [0], { ...options, seed: 9 });
    expect(await generate(model, [0], { ...options, seed: 9 })).toEqual(a);
    const batch = await generate(model, [[3, 3], [0]], { ...options, seed: 9 });
    expect(batch.sequences.slice(2)).toEqual(a.sequences);
  });
});
