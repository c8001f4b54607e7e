import { BeamHypotheses } from './beam-hypotheses.js';
import { type DecodingContext, type RowResult, rowOf, stepLogits, throwIfAborted } from './context.js';
import { applyProcessors } from './logits-processor-list.js';
import { SeededRandom } from './random.js';
import { logSoftmax, softmax } from './softmax.js';

/** A continuation: beam `source` (a session row) extended by `token`, with its summed log-probability. */
interface Candidate {
  readonly score: number;
  readonly token: number;
  readonly source: number;
  readonly tokenScore: number;
}

/**
 * Beam search with HF `BeamSearchScorer`'s semantics. Each prompt keeps `numBeams` session rows. Per
 * step, every beam's log-softmax (after the processors) plus the beam's running score ranks the
 * continuations; eos continuations among the best `numBeams` become finished hypotheses, the best
 * non-eos ones become the next beams, and the session's cache follows them through `reorder`.
 * Beam sampling (`doSample`) draws the continuations instead of taking the best, as HF does: without
 * replacement, from the softmax of the running scores over every beam's continuations.
 */
export async function beamSearch(context: DecodingContext): Promise<RowResult[]> {
  const { batch, config, processors, vocabSize, session } = context;
  const { numBeams, eosTokenId, maxNewTokens } = config;
  const prompts = batch.rows / numBeams;
  const hypotheses = Array.from({ length: prompts }, () => new BeamHypotheses(numBeams, config.lengthPenalty, config.earlyStopping, maxNewTokens));
  const done = new Array<boolean>(prompts).fill(false);
  // Only the first beam starts live, so the first step does not pick the same token numBeams times.
  let beamScores = Float64Array.from({ length: batch.rows }, (_, row) => (row % numBeams === 0 ? 0 : -1e9));
  let generated: number[][] = Array.from({ length: batch.rows }, () => []);
  let tokenScores: number[][] = Array.from({ length: batch.rows }, () => []);
  // HF keeps enough candidates that numBeams non-eos ones remain even if every eos id ranks high.
  const keep = Math.max(2, 1 + eosTokenId.length) * numBeams;

  // One random stream per prompt, so a prompt draws the same alone or in a batch.
  const random = config.doSample ? Array.from({ length: prompts }, () => new SeededRandom(config.seed, 0)) : undefined;
  let logits = await stepLogits(context, batch.prefill());
  for (let step = 0; step < maxNewTokens; step++) {
    throwIfAborted(config.signal);
    const sources = new Int32Array(batch.rows);
    const tokens = new Int32Array(batch.rows).fill(config.padTokenId);
    const nextScores = new Float64Array(batch.rows);
    const nextTokenScores: number[] = new Array(batch.rows).fill(0);
    for (let prompt = 0; prompt < prompts; prompt++) {
      const first = prompt * numBeams;
      if (done[prompt]) {
        sources.fill(first, first, first + numBeams); // finished prompts idle on padding
        continue;
      }
      const all = continuations(context, logits, first, beamScores, step);
      const candidates = random ? sampleCandidates(all, keep, random[prompt]!) : topCandidates(all, keep);
      let filled = 0;
      for (const [rank, candidate] of candidates.entries()) {
        if (eosTokenId.includes(candidate.token)) {
          // An eos outside the best numBeams would not have been kept as a beam either.
          if (rank >= numBeams) continue;
          const source = candidate.source;
          hypotheses[prompt]!.add([...generated[source]!, candidate.token], candidate.score, [...tokenScores[source]!, candidate.tokenScore]);
        } else {
          const row = first + filled++;
          sources[row] = candidate.source;
          tokens[row] = candidate.token;
          nextScores[row] = candidate.score;
          nextTokenScores[row] = candidate.tokenScore;
        }
        if (filled === numBeams) break;
      }
      // A vocabulary too small for numBeams live continuations: the missing beams are dead ends.
      for (let row = first + filled; row < first + numBeams; row++) {
        sources[row] = first;
        nextScores[row] = -Infinity;
      }
      done[prompt] = hypotheses[prompt]!.isDone(candidates[0]!.score, step + 1);
    }
    if (done.every(Boolean)) break;
    generated = Array.from(sources, (source, row) => [...generated[source]!, tokens[row]!]);
    tokenScores = Array.from(sources, (source, row) => [...tokenScores[source]!, nextTokenScores[row]!]);
    beamScores = nextScores;
    if (step === maxNewTokens - 1) break;
    batch.reorder(sources);
    // When every beam continues itself (common once a search settles), the engine need not gather.
    if (sources.some((source, row) => source !== row)) await session.reorder(sources);
    logits = await stepLogits(context, batch.append(tokens));
  }

  // Prompts still open at the length limit: their open beams are hypotheses too.
  for (let prompt = 0; prompt < prompts; prompt++) {
    if (done[prompt]) continue;
    for (let row = prompt * numBeams; row < (prompt + 1) * numBeams; row++) {
      hypotheses[prompt]!.add(generated[row]!, beamScores[row]!, tokenScores[row]!);
    }
  }
  return hypotheses.flatMap((hyps, prompt) =>
    hyps.best(config.numReturnSequences).map((h) => ({
      prompt,
      tokens: h.tokens,
      ...(config.outputScores ? { tokenScores: h.tokenScores, sequenceScore: h.score } : {}),
    })),
  );
}

/** Every continuation of one prompt's beams: scores are the processed log-softmax plus the beam's running score. */
function continuations(context: DecodingContext, logits: Float32Array, first: number, beamScores: Float64Array, step: number): Continuations {
  const { config, processors, vocabSize, batch } = context;
  const tokenScores = new Float32Array(config.numBeams * vocabSize);
  const scores = new Float64Array(config.numBeams * vocabSize);
  for (let beam = 0; beam < config.numBeams; beam++) {
    const row = first + beam;
    const processed = Float32Array.from(logSoftmax(rowOf(logits, row, vocabSize)));
    applyProcessors(processors, processed, batch.sequences[row]!, step);
    tokenScores.set(processed, beam * vocabSize);
    for (let token = 0; token < vocabSize; token++) scores[beam * vocabSize + token] = processed[token]! + beamScores[row]!;
  }
  return { scores, tokenScores, first, vocabSize };
}

interface Continuations {
  /** [beam × vocabulary] running scores, and the step's own (processed) log-probabilities. */
  readonly scores: Float64Array;
  readonly tokenScores: Float32Array;
  readonly first: number;
  readonly vocabSize: number;
}

function candidate(all: Continuations, index: number): Candidate {
  return {
    score: all.scores[index]!,
    token: index % all.vocabSize,
    source: all.first + Math.floor(index / all.vocabSize),
    tokenScore: all.tokenScores[index]!,
  };
}

/**
 * The `keep` best continuations, best first (ties: lower beam, then lower token, the order in which
 * they are visited). A short sorted list with insertion, since `keep` is small and beams × vocabulary
 * is large.
 */
function topCandidates(all: Continuations, keep: number): Candidate[] {
  const best: number[] = [];
  const { scores } = all;
  for (let index = 0; index < scores.length; index++) {
    const score = scores[index]!;
    if (best.length === keep && !(score > scores[best[keep - 1]!]!)) continue;
    let at = best.length;
    while (at > 0 && score > scores[best[at - 1]!]!) at--;
    best.splice(at, 0, index);
    if (best.length > keep) best.pop();
  }
  return best.map((index) => candidate(all, index));
}

/**
 * Beam sampling: `keep` continuations drawn without replacement with probability ∝ exp(score), then
 * ordered best first. Should fewer than `keep` have any probability (the warpers removed the rest),
 * the best of the others fill up the list, where HF's multinomial would fail.
 */
function sampleCandidates(all: Continuations, keep: number, random: SeededRandom): Candidate[] {
  const weights = softmax(all.scores);
  const drawn: number[] = [];
  for (let draw = 0; draw < keep; draw++) {
    const index = random.sample(weights);
    if (index < 0) break;
    drawn.push(index);
    weights[index] = 0;
  }
  if (drawn.length < keep) {
    const rest = topCandidates({ ...all, scores: all.scores.map((s, i) => (drawn.includes(i) ? -Infinity : s)) }, keep - drawn.length);
    drawn.push(...rest.map((c) => (c.source - all.first) * all.vocabSize + c.token));
  }
  return drawn.map((index) => candidate(all, index)).sort((a, b) => b.score - a.score || a.source - b.source || a.token - b.token);
}
