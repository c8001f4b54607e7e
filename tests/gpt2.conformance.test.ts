/**
 * GPT-2 on every engine against the float64 PyTorch references (testdata/gpt2-*). Written once; the
 * engines come from ENGINES.
 */
import type { Backend } from '@attnjs/core';
import { GPT2LMHeadModel, GPT2Model } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { expectGpt2Case, expectGpt2HfFake } from './model-checks.js';
import { TOLERANCE, expectClose, fixtureDir, readReference, rows } from './reference.js';

const TINY = [
  { name: 'gpt2-tiny', tol: TOLERANCE.normal },
  { name: 'gpt2-tiny-sharp', tol: TOLERANCE.sharp },
] as const;

describe.each(ENGINES)('GPT-2 on $name', (engine) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  describe.each(TINY)('$name', ({ name, tol }) => {
    const ref = readReference(name);
    let model: GPT2LMHeadModel;
    beforeAll(async () => {
      model = await GPT2LMHeadModel.fromPretrained(fixtureDir(name), { backend });
    });
    afterAll(() => model.dispose());

    for (const c of ref.cases) it(`case ${c.name}: logits, hidden states, loss`, async () => {
      const out = await model.forward({
        inputIds: c.input_ids,
        attentionMask: c.attention_mask,
        labels: c.labels,
        outputHiddenStates: true,
      });
      expectGpt2Case(out, c, tol);
    });

    it('loss of each sequence alone', async () => {
      const c = ref.cases[0];
      for (const [b, length] of c.lengths.entries()) {
        const ids = c.input_ids[b].slice(0, length);
        const out = await model.forward({ inputIds: [ids], labels: [ids] });
        expectClose([out.loss!], [c.float64.loss_per_sequence[b]], tol, `loss_per_sequence[${b}]`);
      }
    });

    for (const g of ref.generation) {
      it(`greedy generation from [${g.prompt.join(' ')}] matches token for token`, async () => {
        const [sequence] = await model.generate(g.prompt, { maxNewTokens: g.max_new_tokens });
        expect(sequence!.slice(g.prompt.length)).toEqual(g.new_tokens);
      });
    }
  });

  describe('gpt2-hf-fake (real save_pretrained checkpoint, 50257 vocabulary)', () => {
    const ref = readReference('gpt2-hf-fake');
    const tol = TOLERANCE.normal;

    it('per-position logit summaries, last hidden state and loss', async () => {
      const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-hf-fake'), { backend });
      try {
        const out = await model.forward({ inputIds: ref.input_ids, attentionMask: ref.attention_mask, labels: ref.labels });
        expectGpt2HfFake(out, ref, tol);
        const { prompt, new_tokens, max_new_tokens } = ref.generation;
        const [sequence] = await model.generate(prompt, { maxNewTokens: max_new_tokens });
        expect(sequence!.slice(prompt.length)).toEqual(new_tokens);
      } finally {
        model.dispose();
      }
    });

    it('GPT2Model loads the same checkpoint (prefix stripped) and gives the same hidden state', async () => {
      const model = await GPT2Model.fromPretrained(fixtureDir('gpt2-hf-fake'), { backend });
      try {
        const out = await model.forward({ inputIds: ref.input_ids, attentionMask: ref.attention_mask });
        expectClose(rows(out.lastHiddenState, 0, ref.lengths[0]), ref.float64.last_hidden_state[0], tol, 'last_hidden_state');
      } finally {
        model.dispose();
      }
    });
  });
});
