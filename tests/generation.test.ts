/**
 * Decoding on every engine: a bigram language model whose logits the engine computes (a gather from a
 * log-probability table) runs every decoding strategy, and must give exactly the tokens the same model
 * gives on the host (core's own generation tests prove the host results right against hand-worked and
 * exhaustive answers). Logits gathered from a table are exact, so even seeded sampling must agree.
 * Then streaming text and stop strings through a real GPT-2 tokenizer.
 */
import {
  type Backend,
  type CausalLM,
  type DecoderSession,
  type GenerateOptions,
  type GenerationTokenizer,
  type HostTensor,
  generate,
  generateStream,
  hostTensor,
} from '@attnjs/core';
import { Tokenizer } from '@attnjs/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ENGINES as ENGINES } from './engines.js';
import { fixtureDir } from './reference.js';

const V = 12;
const EOS = 11;

/** A fixed random-looking bigram table of probabilities (no zeros: −∞ is not something to ship to engines). */
const PROBS: number[][] = Array.from({ length: V }, (_, prev) => {
  const raw = Array.from({ length: V }, (_, next) => 0.2 + (((prev * 7 + next * 13 + prev * next) % 17) / 17) ** 2 * 3);
  raw[EOS] = prev % 4 === 0 ? 2.5 : 0.15;
  const sum = raw.reduce((a, b) => a + b, 0);
  return raw.map((x) => x / sum);
});
const LOG_TABLE = Float32Array.from(PROBS.flat().map(Math.log));

/** Where the logits come from: the engine (a gather program) or the host (the same table, read directly). */
class BigramLM implements CausalLM {
  readonly vocabSize = V;
  readonly maxPositions = 64;
  live = 0;

  constructor(private readonly backend?: Backend) {}

  startSession(rows: number, options: { useCache: boolean }): DecoderSession {
    expect(typeof options.useCache).toBe('boolean');
    let last = new Int32Array(rows);
    this.live++;
    let disposed = false;
    return {
      step: async (inputIds: HostTensor<'int32'>, mask: HostTensor<'int32'>) => {
        // The last real token of each row: the newest column whose mask is 1 (always the last one).
        const [, t] = inputIds.shape as [number, number];
        const width = mask.shape[1]!;
        for (let r = 0; r < rows; r++) if (mask.data[r * width + width - 1] === 1) last[r] = inputIds.data[r * t + t - 1]!;
        return this.logits(Int32Array.from(last));
      },
      reorder: async (source: Int32Array) => {
        last = Int32Array.from(source, (s) => last[s]!);
      },
      dispose: () => {
        if (!disposed) this.live--;
        disposed = true;
      },
    };
  }

  private async logits(ids: Int32Array): Promise<HostTensor<'float32'>> {
    if (!this.backend) {
      const out = new Float32Array(ids.length * V);
      ids.forEach((id, r) => out.set(LOG_TABLE.subarray(id * V, (id + 1) * V), r * V));
      return hostTensor(out, [ids.length, V]);
    }
    const { logits } = await this.backend.run(
      { owner: this, key: 'bigram', build: (ops, x) => ({ logits: ops.gather(x.table!, x.ids!) }) },
      { table: hostTensor(LOG_TABLE, [V, V]), ids: hostTensor(ids, [ids.length]) },
    );
    return logits as HostTensor<'float32'>;
  }
}

const PROMPTS = [[3], [5, 1, 7, 2], [8, 8]];
const CASES: [string, GenerateOptions][] = [
  ['greedy', {}],
  ['greedy, no cache', { useCache: false }],
  ['sampling', { doSample: true, seed: 11 }],
  ['temperature + topK', { doSample: true, seed: 12, temperature: 0.7, topK: 4 }],
  ['topP', { doSample: true, seed: 13, topK: 0, topP: 0.6 }],
  ['minP', { doSample: true, seed: 14, topK: 0, minP: 0.4 }],
  ['typicalP', { doSample: true, seed: 15, topK: 0, typicalP: 0.5 }],
  ['numReturnSequences', { doSample: true, seed: 16, numReturnSequences: 3 }],
  ['repetition penalty', { repetitionPenalty: 1.8 }],
  ['no repeat 2-gram', { noRepeatNgramSize: 2 }],
  ['bad words', { badWordsIds: [[2], [9, 4]] }],
  ['min new tokens + forced eos', { minNewTokens: 4, forcedEosTokenId: EOS }],
  ['beam search', { numBeams: 3, numReturnSequences: 2, outputScores: true }],
  ['beam search, length penalty 0, never', { numBeams: 4, lengthPenalty: 0, earlyStopping: 'never' }],
  ['beam sampling', { numBeams: 3, doSample: true, seed: 17, topK: 6, temperature: 1.3 }],
];

describe.each(ENGINES)('generation on $name', (engine) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it.each(CASES)('%s: the engine gives the host tokens', async (_, options) => {
    const engineModel = new BigramLM(backend);
    const all = { maxNewTokens: 10, eosTokenId: EOS, ...options };
    const want = await generate(new BigramLM(), PROMPTS, all);
    const got = await generate(engineModel, PROMPTS, all);
    expect(got.sequences).toEqual(want.sequences);
    if (want.sequenceScores) got.sequenceScores!.forEach((s, i) => expect(s).toBeCloseTo(want.sequenceScores![i]!, 5));
    expect(engineModel.live).toBe(0);
    backend.release(engineModel, []);
  });
});

describe('with a GPT-2 tokenizer', () => {
  let tokenizer: Tokenizer;
  beforeAll(async () => {
    tokenizer = await Tokenizer.fromDir(fixtureDir('gpt2-hf-fake'));
  });

  /** A model that says `script` token by token, then eos (50256), after a one-token prompt. */
  function reciter(script: number[]): CausalLM {
    const vocabSize = tokenizer.getVocab().size;
    const lm = new BigramLM();
    return {
      vocabSize,
      maxPositions: 1024,
      startSession(rows, options) {
        const inner = lm.startSession(rows, options);
        let position = 0;
        return {
          ...inner,
          step: async () => {
            const logits = new Float32Array(rows * vocabSize).fill(-10);
            for (let r = 0; r < rows; r++) logits[r * vocabSize + (script[position] ?? 50256)] = 10;
            position++;
            return hostTensor(logits, [rows, vocabSize]);
          },
        };
      },
    };
  }

  it('is a GenerationTokenizer', () => {
    const structural: GenerationTokenizer = tokenizer;
    expect(typeof structural.createStreamDecoder).toBe('function');
  });

  it('streams text that never splits a character and adds up to the decoded tokens', async () => {
    const script = tokenizer.encodeIds('Héllo 👋 wörld, 漢字!');
    const model = reciter(script);
    let text = '';
    for await (const chunk of generateStream(model, [50256], { maxNewTokens: script.length + 3, eosTokenId: 50256, tokenizer, skipSpecialTokens: true })) {
      expect(chunk.text![0]).not.toContain('\ufffd');
      text += chunk.text![0];
    }
    expect(text).toBe('Héllo 👋 wörld, 漢字!');
  });

  it('stopStrings stop on the token that completes the string, not on half a character', async () => {
    const script = tokenizer.encodeIds('Say 👋 then more text');
    const out = await generate(reciter(script), [50256], { maxNewTokens: script.length, tokenizer, stopStrings: ['👋'] });
    const generated = out.sequences[0]!.slice(1);
    expect(tokenizer.decode(generated)).toBe('Say 👋');
    expect(tokenizer.decode(generated.slice(0, -1))).not.toContain('👋');
  });
});
