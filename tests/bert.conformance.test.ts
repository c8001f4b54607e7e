/**
 * BERT on every engine against the float64 PyTorch references (testdata/bert-*). Written once; the
 * engines come from ENGINES.
 */
import { BertForMaskedLM, BertForPreTraining, BertLMHeadModel, BertModel } from '@attnjs/bert';
import type { Backend } from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { TOLERANCE, expectArgmax, expectClose, fixtureDir, readReference, rows } from './reference.js';

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
        const want = c.float64;
        const out = await model.forward({
          ...inputsOf(c),
          labels: c.mlm_labels,
          nextSentenceLabel: c.next_sentence_label,
          outputHiddenStates: true,
        });
        c.lengths.forEach((length: number, b: number) => {
          expectClose(rows(out.lastHiddenState, b, length), want.sequence_output[b], tol, `sequence_output[${b}]`);
          want.hidden_states?.forEach((layer: number[][][], l: number) =>
            expectClose(rows(out.hiddenStates![l]!, b, length), layer[b], tol, `hidden_states[${l}][${b}]`),
          );
        });
        for (const m of want.mlm_logits_at_masked) {
          const [row] = rows(out.predictionLogits, m.batch, m.position + 1).slice(m.position);
          expectClose(row!, m.logits, tol, `mlm logits at [${m.batch}][${m.position}]`);
        }
        expectArgmax(out.predictionLogits, want.mlm_logits_summary.argmax, want.mlm_logits_summary.argmax_margin, c.lengths);
        expectClose(out.seqRelationshipLogits.data, want.nsp_logits, tol, 'nsp_logits');
        expectClose([out.loss!], [want.total_loss], tol, 'total_loss');
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
        ref.lengths.forEach((length: number, b: number) => {
          expectClose(rows(out.lastHiddenState, b, length), ref.float64.sequence_output[b], tol, `sequence_output[${b}]`);
          rows(out.logits, b, length).forEach((logits, t) => {
            const want = ref.float64.mlm_per_position[b][t];
            const at = `[${b}][${t}]`;
            expectClose(want.top10.map(([id]: [number]) => logits[id]!), want.top10.map(([, v]: number[]) => v), tol, `top10 ${at}`);
            expectClose(ref.probe_ids.map((id: number) => logits[id]!), want.at_probe_ids, tol, `probes ${at}`);
          });
        });
        const [atMask] = rows(out.logits, 0, ref.mask_position_in_row0 + 1).slice(-1);
        expectClose(atMask!, ref.float64.mlm_logits_full_at_mask, tol, 'all logits at [MASK]');
        expect(out.logits.shape).toEqual([2, ref.input_ids[0].length, 30522]);
      } finally {
        model.dispose();
      }
    });
  });
});
