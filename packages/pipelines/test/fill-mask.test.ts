/**
 * fill-mask against an independent computation: the model's own logits for each input run alone
 * (no padding), turned into float64 probabilities and ranked here, and the filled-in text decoded here.
 */
import { BertForMaskedLM } from '@attnjs/bert';
import { InputError, UnsupportedError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import type { Tokenizer } from '@attnjs/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FillMaskPipeline, type FillMaskResult, pipeline } from '../src/index.js';
import { ENGINES, HOST_SIDE_ENGINE, bertTinyTokenizer, counts, expectClose, fixture, softmax64 } from './helpers.js';

const MASK = 103;

/** Every mask's proposals worked out from `model.forward` on the input alone. */
async function expected(model: BertForMaskedLM, tokenizer: Tokenizer, text: string, k: number, targets?: number[]): Promise<FillMaskResult[][]> {
  const ids = tokenizer.encode(text).ids;
  const { logits } = await model.forward({ inputIds: [ids] });
  const vocab = logits.shape[2]!;
  const masks = ids.flatMap((id, t) => (id === MASK ? [t] : []));
  return masks.map((t) => {
    const probs = softmax64(Array.from(logits.data.subarray(t * vocab, (t + 1) * vocab)));
    const candidates = targets ?? probs.map((_, id) => id);
    const ranked = [...candidates].sort((a, b) => probs[b]! - probs[a]!).slice(0, k);
    return ranked.map((token) => {
      const filled = ids.slice();
      filled[t] = token;
      return { score: probs[token]!, token, token_str: tokenizer.decode([token]), sequence: tokenizer.decode(filled, { skipSpecialTokens: masks.length === 1 }) };
    });
  });
}

function expectResults(got: FillMaskResult[], want: FillMaskResult[]): void {
  expect(got.map((r) => r.token)).toEqual(want.map((r) => r.token));
  expect(got.map((r) => r.token_str)).toEqual(want.map((r) => r.token_str));
  expect(got.map((r) => r.sequence)).toEqual(want.map((r) => r.sequence));
  got.forEach((r, i) => expectClose(r.score, want[i]!.score, 1e-6, `score of ${r.token_str}`));
}

for (const engine of ENGINES) {
  describe(`fill-mask on ${engine.name}`, () => {
    const tokenizer = bertTinyTokenizer();
    const words = (ids: number[]) => tokenizer.decode(ids);
    // Ordinary ids are 104..999; each decodes to one word.
    const oneMask = `${words([200, 300, 450])} [MASK] ${words([400, 777])}`;
    const twoMasks = `${words([512, 640])} [MASK] ${words([900, 130, 222, 333])} [MASK] ${words([999])}`;
    const longer = `${words([150, 250, 350, 450, 550, 650, 750, 850, 950, 105])} [MASK] ${words([111, 222])}`;
    let backend: Awaited<ReturnType<typeof engine.create>>;
    let model: BertForMaskedLM;
    let fill: FillMaskPipeline;
    beforeAll(async () => {
      backend = await engine.create();
      model = await BertForMaskedLM.fromPretrained(fixture('bert-tiny-sharp'), { backend });
      fill = await pipeline('fill-mask', { model, tokenizer });
    });
    afterAll(async () => {
      fill.dispose();
      model.dispose();
      await backend.dispose();
    });

    it('one mask: the 5 most likely tokens with their probabilities and the filled text', async () => {
      const [want] = await expected(model, tokenizer, oneMask, 5);
      const got = (await fill(oneMask)) as FillMaskResult[];
      expect(got).toHaveLength(5);
      expectResults(got, want!);
      expect(got[0]!.sequence).not.toContain('[MASK]');
    });

    it('several masks: one list per mask, each keeping the other masks in its text (as Hugging Face)', async () => {
      const want = await expected(model, tokenizer, twoMasks, 3);
      const got = (await fill(twoMasks, { topK: 3 })) as FillMaskResult[][];
      expect(got).toHaveLength(2);
      got.forEach((list, m) => expectResults(list, want[m]!));
      expect(got[0]![0]!.sequence).toContain('[MASK]');
    });

    it('targets: only those tokens, scored by the full-vocabulary probability, topK capped at their number', async () => {
      const targets = [words([300]), words([640]), words([851])];
      const ids = targets.map((t) => tokenizer.tokenToId(t)!);
      const [want] = await expected(model, tokenizer, oneMask, 3, ids);
      const got = (await fill(oneMask, { targets })) as FillMaskResult[];
      expect(got).toHaveLength(3);
      expectResults(got, want!);
    });

    it('a batch of inputs of different lengths, padded together, gives each input its own answer', async () => {
      const inputs = [oneMask, longer, twoMasks];
      const want = await Promise.all(inputs.map((text) => expected(model, tokenizer, text, 2)));
      for (const batchSize of [3, 2]) {
        const got = await fill(inputs, { topK: 2, batchSize });
        expect(got).toHaveLength(3);
        expectResults(got[0] as FillMaskResult[], want[0]![0]!);
        expectResults(got[1] as FillMaskResult[], want[1]![0]!);
        (got[2] as FillMaskResult[][]).forEach((list, m) => expectResults(list, want[2]![m]!));
      }
    });

    it.runIf(engine.name === HOST_SIDE_ENGINE)('refuses an input without a mask, bad targets and options with typed errors', async () => {
      await expect(fill(words([200, 300]))).rejects.toThrow(InputError);
      await expect(fill([oneMask, words([200, 300])])).rejects.toThrow(/inputs\[1\] has no mask token \[MASK\]/);
      await expect(fill('')).rejects.toThrow(InputError);
      await expect(fill(oneMask, { targets: [] })).rejects.toThrow(InputError);
      await expect(fill(oneMask, { topK: 0 })).rejects.toThrow(UnsupportedError);
      await expect(fill(oneMask, { top_k: 2 } as never)).rejects.toThrow(/top_k/);
    });
  });
}

describe('fill-mask from a model folder', () => {
  it('loads bert-hf-tiniest (BertLMHeadModel in config.json) as BertForMaskedLM with its tokenizer; dispose frees it', async () => {
    const backend = await ENGINES[0]!.create();
    const before = counts(backend);
    const fill = await pipeline('fill-mask', fixture('bert-hf-tiniest'), { backend });
    expect(fill.model.modelName).toBe('BertForMaskedLM');
    const text = 'the man went to the [MASK] .';
    const [want] = await expected(fill.model as BertForMaskedLM, fill.tokenizer, text, 5);
    expectResults((await fill(text)) as FillMaskResult[], want!);
    fill.dispose();
    expect(counts(backend)).toEqual(before);
    await backend.dispose();
  });

  it('refuses a model the task cannot use', async () => {
    const backend = await ENGINES[0]!.create();
    const model = await GPT2LMHeadModel.fromPretrained(fixture('gpt2-tiny'), { backend });
    await expect(pipeline('fill-mask', { model, tokenizer: bertTinyTokenizer() })).rejects.toThrow(/cannot use a GPT2LMHeadModel/);
    await expect(pipeline('fill-mask', fixture('gpt2-tiny'), { backend })).rejects.toThrow(UnsupportedError);
    model.dispose();
    await backend.dispose();
  });
});
