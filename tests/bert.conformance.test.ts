/**
 * BERT on every engine against the float64 PyTorch references (testdata/bert-*). Written once; the
 * engines come from ENGINES.
 */
import { BertForMaskedLM, BertForPreTraining, BertLMHeadModel, BertModel } from '@attnjs/bert';
import type { Backend } from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { expectBertHfTiniest, expectBertPreTrainingCase } from './model-checks.js';
import { TOLERANCE, expectClose, fixtureDir, readReference } from './reference.js';

const TINY = [
  { name: 'bert-tiny', tol: TOLERANCE.normal },
  { name: 'bert-tiny-sharp', tol: TOLERANCE.sharp },
] as const;

describe.each(ENGINES)('BERT on $name', (engine) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  describe.each(TINY)('$name', ({ name, tol }) => {
    const ref = readReference(name);
    const inputsOf = (c: any) => ({ inputIds: c.input_ids, attentionMask: c.attention_mask, tokenTypeIds: c.token_type_ids });

    for (const c of ref.cases) it(`case ${c.name}: BertForPreTraining`, async () => {
      const model = await BertForPreTraining.fromPretrained(fixtureDir(name), { backend });
      try {
        const out = await model.forward({
          ...inputsOf(c),
          labels: c.mlm_labels,
          nextSentenceLabel: c.next_sentence_label,
          outputHiddenStates: true,
        });
        expectBertPreTrainingCase({ ...out, logits: out.predictionLogits, nspLogits: out.seqRelationshipLogits }, c, tol);
      } finally {
        model.dispose();
      }
    });

    for (const c of ref.cases) it(`case ${c.name}: BertModel pooler and BertForMaskedLM loss`, async () => {
      const base = await BertModel.fromPretrained(fixtureDir(name), { backend });
      const mlm = await BertForMaskedLM.fromPretrained(fixtureDir(name), { backend });
      try {
        const out = await base.forward(inputsOf(c));
        expectClose(out.poolerOutput!.data, c.float64.pooled_output, tol, 'pooled_output');
        const masked = await mlm.forward({ ...inputsOf(c), labels: c.mlm_labels });
        expectClose([masked.loss!], [c.float64.mlm_loss], tol, 'mlm_loss');
      } finally {
        base.dispose();
        mlm.dispose();
      }
    });
  });

  describe('bert-hf-tiniest (real save_pretrained BertLMHeadModel, 30522 vocabulary)', () => {
    const ref = readReference('bert-hf-tiniest');
    const tol = TOLERANCE.normal;

    it('sequence output and prediction-head logits', async () => {
      const model = await BertLMHeadModel.fromPretrained(fixtureDir('bert-hf-tiniest'), { backend });
      try {
        const out = await model.forward({
          inputIds: ref.input_ids,
          attentionMask: ref.attention_mask,
          tokenTypeIds: ref.token_type_ids,
        });
        expectBertHfTiniest(out, ref, tol);
      } finally {
        model.dispose();
      }
    });
  });
});
