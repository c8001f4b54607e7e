import { describe, expect, it } from 'vitest';
import {
  AbortError,
  type CausalLM,
  type GenerationChunk,
  GenerationConfigError,
  InputError,
  UnsupportedError,
  generate,
  generateStream,
  hostTensor,
  recomputingSession,
} from '../../src/index.js';
import { TableLM, normalise, unigram } from './fake-lm.js';

const V = 8;
const EOS = 7;

/** A distribution that depends on the whole prefix (a hash), with eos likely only now and then. */
function hashed(sequence: readonly number[]): number[] {
  let h = 2166136261;
  for (const t of sequence) h = Math.imul(h ^ (t + 1), 16777619) >>> 0;
  return normalise(Array.from({ length: V }, (_, i) => 1 + ((h >>> (i * 3)) % 11) + (i === EOS ? (h % 9 === 0 ? 30 : -0.5) : 0)));
}

/** Greedy decoding computed directly from the table, one token at a time. */
function greedyByHand(prompt: number[], maxNew: number, eos?: number): number[] {
  const seq = [...prompt];
  for (let i = 0; i < maxNew; i++) {
    const p = hashed(seq);
    const token = p.indexOf(Math.max(...p));
    seq.push(token);
    if (token === eos) break;
  }
  return seq;
}

describe('greedy search and the driver', () => {
  it('greedy picks the most likely token each step', async () => {
    const model = new TableLM(V, hashed);
    const out = await generate(model, [1, 2, 3], { maxNewTokens: 12 });
    expect(out.sequences).toEqual([greedyByHand([1, 2, 3], 12)]);
  });

  it('a batch of prompts of different lengths gives each row what it gets alone, each stopping on its own', async () => {
    const model = new TableLM(V, hashed);
    const prompts = [[5], [1, 2, 3, 4, 5, 6], [2, 2], [0, 6, 1]];
    const batch = await generate(model, prompts, { maxNewTokens: 15, eosTokenId: EOS });
    for (const [i, prompt] of prompts.entries()) {
      const alone = await generate(model, prompt, { maxNewTokens: 15, eosTokenId: EOS });
      expect(batch.sequences[i]).toEqual(alone.sequences[0]);
      expect(batch.sequences[i]).toEqual(greedyByHand(prompt, 15, EOS));
    }
    // The table makes some rows stop early on eos and others run to the limit.
    const lengths = batch.sequences.map((s, i) => s.length - prompts[i]!.length);
    expect(lengths.some((n) => n < 15)).toBe(true);
    expect(lengths.some((n) => n === 15)).toBe(true);
  });

  it('a padded batch with its attentionMask (left or right padding) gives the unpadded prompts\' tokens', async () => {
    const model = new TableLM(V, hashed);
    const want = await generate(model, [[5], [1, 2, 3], [2, 2]], { maxNewTokens: 6 });
    const left = await generate(model, [[0, 0, 5], [1, 2, 3], [0, 2, 2]], { maxNewTokens: 6, attentionMask: [[0, 0, 1], [1, 1, 1], [0, 1, 1]] });
    const right = await generate(model, hostTensor(Int32Array.from([5, 6, 6, 1, 2, 3, 2, 2, 6]), [3, 3]), {
      maxNewTokens: 6,
      attentionMask: [[1, 0, 0], [1, 1, 1], [1, 1, 0]],
    });
    expect(left.sequences).toEqual(want.sequences);
    expect(right.sequences).toEqual(want.sequences);
    // A tensor without a mask is a batch of equal-length prompts.
    const tensor = await generate(model, hostTensor(Int32Array.from([1, 2, 3]), [1, 3]), { maxNewTokens: 6 });
    expect(tensor.sequences[0]).toEqual(want.sequences[1]);
    await expect(generate(model, [[1, 2]], { attentionMask: [[1, 2]] })).rejects.toThrow(/attentionMask\[0\]\[1\] = 2/);
    await expect(generate(model, [[1, 2]], { attentionMask: [[0, 0]] })).rejects.toThrow(/no tokens/);
    await expect(generate(model, [[1, 2]], { attentionMask: [[1, 1, 1]] })).rejects.toThrow(InputError);
  });

  it('several eos ids: a row stops at whichever comes first', async () => {
    const model = new TableLM(4, (seq) => (seq.length === 1 ? [0.1, 0.6, 0.2, 0.1] : seq.length === 2 ? [0.1, 0.1, 0.7, 0.1] : [0.1, 0.1, 0.1, 0.7]));
    expect((await generate(model, [0], { maxNewTokens: 5, eosTokenId: [2, 3] })).sequences[0]).toEqual([0, 1, 2]);
    expect((await generate(model, [0], { maxNewTokens: 5, eosTokenId: 3 })).sequences[0]).toEqual([0, 1, 2, 3]);
  });

  it('a maxNewTokens beyond the position table is refused; a default length is bounded by it', async () => {
    const model = new TableLM(4, unigram([0.7, 0.1, 0.1, 0.1]), 6);
    expect((await generate(model, [1, 1], { maxNewTokens: 4 })).sequences[0]).toHaveLength(6);
    await expect(generate(model, [1, 1], { maxNewTokens: 5 })).rejects.toThrow(/maxNewTokens = 5 after a 2-position prompt exceeds the model's 6 positions \(at most 4\)/);
    expect((await generate(model, [1, 1], { maxLength: 50 })).sequences[0]).toHaveLength(6);
    // Padding counts: the batch is as long as its longest prompt.
    const ragged = await generate(model, [[1], [1, 1, 1]], { maxNewTokens: 3 });
    expect(ragged.sequences.map((s) => s.length)).toEqual([4, 6]);
    await expect(generate(model, [[1], [1, 1, 1]], { maxNewTokens: 4 })).rejects.toThrow(InputError);
    await expect(generate(model, [1, 1, 1, 1, 1, 1], { maxNewTokens: 1 })).rejects.toThrow(InputError);
    await expect(generate(model, [1, 1, 1, 1, 1, 1, 1], { maxNewTokens: 1 })).rejects.toThrow(InputError);
  });

  it('maxLength (default 20, as HF) counts the prompt', async () => {
    const model = new TableLM(4, unigram([0.7, 0.1, 0.1, 0.1]), 64);
    expect((await generate(model, [1, 1, 1])).sequences[0]).toHaveLength(20);
    expect((await generate(model, [1, 1, 1], { maxLength: 5 })).sequences[0]).toHaveLength(5);
    await expect(generate(model, [1, 1, 1], { maxLength: 3 })).rejects.toThrow(GenerationConfigError);
  });

  it('defaults come from generation_config.json and options override them', async () => {
    const probs = (seq: readonly number[]) => (seq.length < 3 ? [0.1, 0.6, 0.2, 0.1] : [0.1, 0.1, 0.2, 0.6]);
    const model = new TableLM(4, probs, 64, { eos_token_id: 3, max_new_tokens: 6, transformers_version: '4.44.0' });
    expect((await generate(model, [0])).sequences[0]).toEqual([0, 1, 1, 3]);
    expect((await generate(model, [0], { eosTokenId: 2 })).sequences[0]).toEqual([0, 1, 1, 3, 3, 3, 3]);
    expect((await generate(model, [0], { maxNewTokens: 2 })).sequences[0]).toEqual([0, 1, 1]);
    const bad = new TableLM(4, probs, 64, { top_k: -1, do_sample: true });
    await expect(generate(bad, [0])).rejects.toThrow(/generation_config\.json's topK/);
    // Sampling and beam settings of a mode that is off are neither used nor checked (HF warns).
    const greedyConfig = new TableLM(4, probs, 64, { eos_token_id: 3, max_new_tokens: 6, temperature: 0, length_penalty: -3, early_stopping: 'x' });
    expect((await generate(greedyConfig, [0])).sequences[0]).toEqual([0, 1, 1, 3]);
    await expect(generate(greedyConfig, [0], { doSample: true })).rejects.toThrow(/generation_config\.json's temperature = 0/);
  });

  it('useCache is passed to the session (default true) and does not change the tokens', async () => {
    const model = new TableLM(V, hashed);
    const cached = await generate(model, [3, 4], { maxNewTokens: 8 });
    const uncached = await generate(model, [3, 4], { maxNewTokens: 8, useCache: false });
    expect(model.sessions.map((s) => s.useCache)).toEqual([true, false]);
    expect(uncached.sequences).toEqual(cached.sequences);
  });

  it('recomputingSession (useCache: false without a cache) gives the cached session\'s tokens', async () => {
    const cached = new TableLM(V, hashed);
    let forwards = 0;
    // A whole-sequence forward: each position's logits from the real tokens up to it.
    const uncached: CausalLM = {
      vocabSize: V,
      maxPositions: 64,
      startSession: (rows) =>
        recomputingSession(rows, async (ids, mask) => {
          forwards++;
          const [b, t] = ids.shape as [number, number];
          const out = new Float32Array(b * t * V);
          for (let r = 0; r < b; r++) {
            const real: number[] = [];
            for (let j = 0; j < t; j++) {
              if (mask.data[r * t + j] === 1) real.push(ids.data[r * t + j]!);
              if (real.length > 0) out.set(cached.logits(real), (r * t + j) * V);
            }
          }
          return hostTensor(out, [b, t, V]);
        }),
    };
    const prompts = [[5], [1, 2, 3, 4], [2, 2]];
    for (const options of [{}, { doSample: true, seed: 4 }, { numBeams: 3, numReturnSequences: 2 }]) {
      const all = { maxNewTokens: 8, eosTokenId: EOS, ...options };
      expect((await generate(uncached, prompts, all)).sequences).toEqual((await generate(cached, prompts, all)).sequences);
    }
    expect(forwards).toBeGreaterThan(8);
  });

  it('outputScores gives the log-probability of each chosen token', async () => {
    const model = new TableLM(V, hashed);
    const out = await generate(model, [2], { maxNewTokens: 5, outputScores: true });
    const seq = out.sequences[0]!;
    out.scores![0]!.forEach((score, i) => expect(score).toBeCloseTo(Math.log(hashed(seq.slice(0, i + 1))[seq[i + 1]!]!), 5));
    expect(out.sequenceScores).toBeUndefined();
    // When sampling, it is the probability under the warped distribution: topK 2 renormalises 0.5 and 0.3.
    const small = new TableLM(3, unigram([0.5, 0.3, 0.2]));
    const sampled = await generate(small, [2], { maxNewTokens: 20, outputScores: true, doSample: true, topK: 2, seed: 1 });
    const tokens = sampled.sequences[0]!.slice(1);
    expect(new Set(tokens)).toEqual(new Set([0, 1]));
    sampled.scores![0]!.forEach((score, i) => expect(score).toBeCloseTo(Math.log(tokens[i] === 0 ? 0.5 / 0.8 : 0.3 / 0.8), 5));
  });
});

describe('processors through the driver', () => {
  const P = [0.5, 0.3, 0.2];

  it('repetitionPenalty: the hand-computed choices', async () => {
    // Logits ln 0.5, ln 0.3, ln 0.2 = −0.693, −1.204, −1.609. Prompt [0], penalty 2: token 0 → −1.386,
    // so 1 wins (−1.204); then 0 and 1 are both penalised (−1.386, −2.408) and 0 beats 2 (−1.609).
    const model = new TableLM(3, unigram(P));
    const out = await generate(model, [0], { maxNewTokens: 3, repetitionPenalty: 2, outputScores: true });
    expect(out.sequences[0]).toEqual([0, 1, 0, 0]);
    const z = Math.log(Math.exp(-2 * 0.6931472) + Math.exp(-1.2039728) + Math.exp(-1.6094379));
    expect(out.scores![0]![0]).toBeCloseTo(-1.2039728 - z, 5);
    expect((await generate(model, [0], { maxNewTokens: 3 })).sequences[0]).toEqual([0, 0, 0, 0]);
  });

  it('noRepeatNgramSize never repeats an n-gram', async () => {
    // A model that wants to cycle 0 1 2 0 1 2 …
    const model = new TableLM(8, (seq) => normalise([0, 1, 2, 3, 4, 5, 6, 7].map((t) => (t === (seq[seq.length - 1]! + 1) % 3 ? 10 : 1 + t / 10))), 64);
    for (const n of [2, 3]) {
      const seq = (await generate(model, [0], { maxNewTokens: 20, noRepeatNgramSize: n })).sequences[0]!;
      expect(seq).toHaveLength(21);
      const grams = seq.slice(0, seq.length - n + 1).map((_, i) => seq.slice(i, i + n).join(','));
      expect(new Set(grams).size).toBe(grams.length);
    }
    const free = (await generate(model, [0], { maxNewTokens: 30 })).sequences[0]!;
    expect(free.slice(0, 7)).toEqual([0, 1, 2, 0, 1, 2, 0]);
  });

  it('badWordsIds never appear, single tokens or sequences', async () => {
    const model = new TableLM(5, (seq) => normalise([0, 1, 2, 3, 4].map((t) => (t === (seq[seq.length - 1]! + 1) % 4 ? 10 : 1 + t / 10))), 64);
    const seq = (await generate(model, [0], { maxNewTokens: 30, badWordsIds: [[2], [3, 0]] })).sequences[0]!;
    expect(seq).not.toContain(2);
    expect(seq.join(',')).not.toMatch(/(^|,)3,0(,|$)/);
    const free = (await generate(model, [0], { maxNewTokens: 8 })).sequences[0]!;
    expect(free).toContain(2);
  });

  it('minNewTokens suppresses eos until enough tokens', async () => {
    const model = new TableLM(3, unigram([0.2, 0.1, 0.7]));
    expect((await generate(model, [0], { maxNewTokens: 10, eosTokenId: 2 })).sequences[0]).toEqual([0, 2]);
    expect((await generate(model, [0], { maxNewTokens: 10, eosTokenId: 2, minNewTokens: 3 })).sequences[0]).toEqual([0, 0, 0, 0, 2]);
  });

  it('forcedEosTokenId is the last token when the length runs out', async () => {
    const model = new TableLM(3, unigram([0.7, 0.2, 0.1]));
    expect((await generate(model, [1], { maxNewTokens: 4, forcedEosTokenId: 2 })).sequences[0]).toEqual([1, 0, 0, 0, 2]);
  });
});

describe('option checks', () => {
  const model = new TableLM(4, unigram([0.4, 0.3, 0.2, 0.1]));
  const cases: [string, object, new (...args: never[]) => Error, RegExp][] = [
    ['unknown option', { maxNewToken: 3 }, UnsupportedError, /maxNewToken/],
    ['HF snake_case name', { max_new_tokens: 3 }, UnsupportedError, /max_new_tokens/],
    ['numReturnSequences with greedy', { numReturnSequences: 2 }, GenerationConfigError, /numReturnSequences/],
    ['more sequences than beams', { numBeams: 2, numReturnSequences: 3 }, GenerationConfigError, /numBeams/],
    ['sampling option without doSample', { topP: 0.9 }, GenerationConfigError, /topP/],
    ['seed without doSample', { seed: 1 }, GenerationConfigError, /seed/],
    ['beam option without beams', { lengthPenalty: 2 }, GenerationConfigError, /lengthPenalty/],
    ['topP above 1', { doSample: true, topP: 1.5 }, GenerationConfigError, /topP = 1.5/],
    ['temperature 0', { doSample: true, temperature: 0 }, GenerationConfigError, /temperature = 0/],
    ['typicalP 0', { doSample: true, typicalP: 0 }, GenerationConfigError, /typicalP/],
    ['negative topK', { doSample: true, topK: -1 }, GenerationConfigError, /topK/],
    ['repetitionPenalty 0', { repetitionPenalty: 0 }, GenerationConfigError, /repetitionPenalty/],
    ['earlyStopping string', { numBeams: 2, earlyStopping: 'sometimes' }, GenerationConfigError, /earlyStopping/],
    ['eos outside the vocabulary', { eosTokenId: 4 }, GenerationConfigError, /eosTokenId/],
    ['empty bad word', { badWordsIds: [[]] }, GenerationConfigError, /badWordsIds/],
    ['maxNewTokens 0', { maxNewTokens: 0 }, GenerationConfigError, /maxNewTokens/],
    ['maxNewTokens and maxLength', { maxNewTokens: 2, maxLength: 9 }, GenerationConfigError, /not both/],
    ['stopStrings without a tokenizer', { stopStrings: ['x'] }, GenerationConfigError, /tokenizer/],
    ['minNewTokens without eos', { minNewTokens: 2 }, GenerationConfigError, /eosTokenId/],
    ['streaming beams', { numBeams: 2, streamer: { put() {} } }, UnsupportedError, /streaming/],
    ['not a signal', { signal: {} }, GenerationConfigError, /signal/],
  ];

  it.each(cases)('%s is refused', async (_, options, type, message) => {
    const error = await generate(model, [0], options as never).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(type);
    expect((error as Error).message).toMatch(message);
  });

  it('bad prompts are refused', async () => {
    await expect(generate(model, [], {})).rejects.toThrow(InputError);
    await expect(generate(model, [[0], []], {})).rejects.toThrow(/inputIds\[1\] has no tokens/);
    await expect(generate(model, [0, 4], {})).rejects.toThrow(/inputIds\[0\]\[1\] = 4/);
    expect(model.sessions).toHaveLength(0);
  });
});

describe('sessions are freed on every path', () => {
  const probs = unigram([0.4, 0.3, 0.2, 0.1]);

  it('after success, once', async () => {
    const model = new TableLM(4, probs);
    await generate(model, [[0], [1, 2]], { maxNewTokens: 3 });
    await generate(model, [0], { maxNewTokens: 3, numBeams: 2 });
    expect(model.sessions.map((s) => s.disposeCalls)).toEqual([1, 1]);
  });

  it('an aborted signal stops generation with an AbortError and frees the session', async () => {
    const model = new TableLM(4, probs);
    const controller = new AbortController();
    model.onStep = (_, step) => {
      if (step === 3) controller.abort(new Error('user left'));
    };
    const error = await generate(model, [0], { maxNewTokens: 10, signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AbortError);
    expect((error as AbortError).cause).toEqual(new Error('user left'));
    expect(model.sessions[0]!.steps).toBe(4);
    expect(model.liveSessions).toBe(0);
    // Beam search too.
    const beams = new AbortController();
    model.onStep = (_, step) => step === 2 && beams.abort();
    await expect(generate(model, [0], { maxNewTokens: 10, numBeams: 2, signal: beams.signal })).rejects.toThrow(AbortError);
    expect(model.liveSessions).toBe(0);
  });

  it('an already aborted signal starts nothing', async () => {
    const model = new TableLM(4, probs);
    await expect(generate(model, [0], { signal: AbortSignal.abort() })).rejects.toThrow(AbortError);
    expect(model.sessions).toHaveLength(0);
  });

  it('a throwing step frees the session and the error comes through', async () => {
    const model = new TableLM(4, probs);
    model.onStep = (_, step) => {
      if (step === 2) throw new RangeError('engine failed');
    };
    await expect(generate(model, [0], { maxNewTokens: 10 })).rejects.toThrow('engine failed');
    await expect(generate(model, [0], { maxNewTokens: 10, numBeams: 2 })).rejects.toThrow('engine failed');
    expect(model.sessions.map((s) => s.disposeCalls)).toEqual([1, 1]);
  });

  it('breaking out of a stream, or a throwing streamer, frees the session', async () => {
    const model = new TableLM(4, probs);
    for await (const chunk of generateStream(model, [0], { maxNewTokens: 10 })) if (chunk.step === 1) break;
    const streamer = { put: () => { throw new Error('sink closed'); } };
    await expect(generate(model, [0], { maxNewTokens: 10, streamer })).rejects.toThrow('sink closed');
    expect(model.sessions.map((s) => s.disposeCalls)).toEqual([1, 1]);
  });
});

describe('streaming', () => {
  it('yields each step, null for finished rows, and returns the output', async () => {
    const model = new TableLM(V, hashed);
    const prompts = [[5], [1, 2, 3, 4, 5, 6], [2, 2]];
    const expected = await generate(model, prompts, { maxNewTokens: 15, eosTokenId: EOS });
    const stream = generateStream(model, prompts, { maxNewTokens: 15, eosTokenId: EOS });
    const chunks: GenerationChunk[] = [];
    let result;
    for (let next = await stream.next(); ; next = await stream.next()) {
      if (next.done) { result = next.value; break; }
      chunks.push(next.value);
    }
    expect(result).toEqual(expected);
    expect(chunks.map((c) => c.step)).toEqual(chunks.map((_, i) => i));
    prompts.forEach((prompt, row) => {
      const streamed = chunks.map((c) => c.tokens[row]).filter((t): t is number => t !== null);
      expect([...prompt, ...streamed]).toEqual(expected.sequences[row]);
      // Once a row is finished it stays null.
      const firstNull = chunks.findIndex((c) => c.tokens[row] === null);
      if (firstNull >= 0) expect(chunks.slice(firstNull).every((c) => c.tokens[row] === null)).toBe(true);
    });
  });

  it('a streamer receives the same chunks, then end()', async () => {
    const model = new TableLM(V, hashed);
    const seen: (number | null)[][] = [];
    let ended = 0;
    await generate(model, [[1], [2, 3]], { maxNewTokens: 6, streamer: { put: (c) => seen.push([...c.tokens]), end: () => ended++ } });
    const chunks: (number | null)[][] = [];
    for await (const c of generateStream(model, [[1], [2, 3]], { maxNewTokens: 6 })) chunks.push([...c.tokens]);
    expect(seen).toEqual(chunks);
    expect(ended).toBe(1);
  });
});

/**
 * A tokenizer over single letters: id i is the i-th letter. Its stream decoder holds a token back
 * while it is 'x' (standing in for half of a character), to check that the last text is flushed.
 */
const LETTERS = 'abcdx';
const letters = {
  decode: (ids: ArrayLike<number>) => Array.from(ids, (i) => LETTERS[i]).join(''),
  createStreamDecoder: () => {
    let held = '';
    return {
      step: (id: number) => {
        const text = held + LETTERS[id];
        held = LETTERS[id] === 'x' ? text : '';
        return held ? '' : text;
      },
      flush: () => {
        const rest = held;
        held = '';
        return rest;
      },
    };
  },
};
// Cycles a → b → c → d → x → a …
const cycle = (seq: readonly number[]) => [0, 1, 2, 3, 4].map((t) => (t === (seq[seq.length - 1]! + 1) % 5 ? 0.9 : 0.025));

describe('with a tokenizer', () => {
  it('streams text per row; the pieces add up to the decoded tokens', async () => {
    const model = new TableLM(5, cycle);
    const texts = ['', ''];
    for await (const chunk of generateStream(model, [[0], [2]], { maxNewTokens: 7, tokenizer: letters })) {
      chunk.text!.forEach((t, row) => (texts[row] += t));
    }
    expect(texts).toEqual(['bcdxabc', 'dxabcdx']);
  });

  it('stopStrings stop a row once its text contains one, across tokens and from the prompt', async () => {
    const model = new TableLM(5, cycle);
    const run = (prompt: number[], stopStrings: string | string[]) =>
      generate(model, prompt, { maxNewTokens: 12, tokenizer: letters, stopStrings }).then((o) => letters.decode(o.sequences[0]!));
    expect(await run([0], 'cd')).toBe('abcd');
    expect(await run([0], ['xa', 'dx'])).toBe('abcdx');
    // The string may start in the prompt: "b" + generated "c".
    expect(await run([0, 1], 'bc')).toBe('abc');
    // A stop string wholly inside the prompt does not stop generation at once.
    expect(await run([0, 1], 'ab')).toBe('abcdxab');
    // Rows stop independently.
    const both = await generate(model, [[0], [3], [1]], { maxNewTokens: 4, tokenizer: letters, stopStrings: 'xa' });
    expect(both.sequences.map((s) => letters.decode(s))).toEqual(['abcdx', 'dxa', 'bcdxa']);
  });
});
