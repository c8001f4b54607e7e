/**
 * The checks of one model output against its float64 PyTorch reference, shared by the Node conformance
 * suites and the browser suite (which gets the same outputs back from the page), so every engine is held
 * to the same assertions.
 */
import type { HostTensor } from '@attnjs/core';
import { expect } from 'vitest';
import { expectArgmax, expectClose, rows } from './reference.js';

/** What the checks read of a model's output; heads name their logits differently, callers map them. */
export interface Outputs {
  /** Typed optional as GPT2LMHeadModel's is; every check needs it. */
  readonly logits?: HostTensor;
  readonly lastHiddenState: HostTensor;
  readonly hiddenStates?: readonly HostTensor[];
  readonly loss?: number;
  readonly nspLogits?: HostTensor;
}

// biome-ignore lint: reference files are free-form JSON
type Json = any;

/** A gpt2-tiny* case: logits, every hidden state, argmax and loss (NaN where PyTorch has no target). */
export function expectGpt2Case(out: Outputs, c: Json, tol: number): void {
  const want = c.float64;
  c.lengths.forEach((length: number, b: number) => {
    expectClose(rows(out.logits!, b, length), want.logits[b], tol, `logits[${b}]`);
    expectClose(rows(out.lastHiddenState, b, length), want.last_hidden_state[b], tol, `last_hidden_state[${b}]`);
    want.hidden_states?.forEach((layer: number[][][], l: number) =>
      expectClose(rows(out.hiddenStates![l]!, b, length), layer[b], tol, `hidden_states[${l}][${b}]`),
    );
  });
  expectArgmax(out.logits!, want.logits_summary.argmax, want.logits_summary.argmax_margin, c.lengths);
  if (want.loss === null) expect(out.loss).toBeNaN(); // no target: PyTorch's mean over nothing
  else expectClose([out.loss!], [want.loss], tol, 'loss');
}

/** Logits of a real-vocabulary checkpoint, whose reference keeps per position the top 10 and the probe ids. */
function expectPerPosition(logits: HostTensor, ref: Json, perPosition: Json, tol: number, sums: boolean): void {
  ref.lengths.forEach((length: number, b: number) => {
    rows(logits, b, length).forEach((row, t) => {
      const want = perPosition[b][t];
      const at = `[${b}][${t}]`;
      expectClose(want.top10.map(([id]: [number]) => row[id]!), want.top10.map(([, v]: number[]) => v), tol, `top10 ${at}`);
      expectClose(ref.probe_ids.map((id: number) => row[id]!), want.at_probe_ids, tol, `probes ${at}`);
      if (!sums) return;
      const max = Math.max(...row);
      const lse = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
      expectClose([lse, row.reduce((s, v) => s + v, 0)], [want.logsumexp, want.sum], 1e-4, `logsumexp/sum ${at}`);
    });
  });
}

/** gpt2-hf-fake (50257 vocabulary): loss, last hidden state, per-position logit summaries. */
export function expectGpt2HfFake(out: Outputs, ref: Json, tol: number): void {
  expectClose([out.loss!], [ref.float64.loss], tol, 'loss');
  ref.lengths.forEach((length: number, b: number) =>
    expectClose(rows(out.lastHiddenState, b, length), ref.float64.last_hidden_state[b], tol, `last_hidden_state[${b}]`),
  );
  expectPerPosition(out.logits!, ref, ref.float64.per_position, tol, true);
}

/** A bert-tiny* case through BertForPreTraining: hidden states, MLM logits at the masks, NSP logits, total loss. */
export function expectBertPreTrainingCase(out: Outputs, c: Json, tol: number): void {
  const want = c.float64;
  c.lengths.forEach((length: number, b: number) => {
    expectClose(rows(out.lastHiddenState, b, length), want.sequence_output[b], tol, `sequence_output[${b}]`);
    want.hidden_states?.forEach((layer: number[][][], l: number) =>
      expectClose(rows(out.hiddenStates![l]!, b, length), layer[b], tol, `hidden_states[${l}][${b}]`),
    );
  });
  for (const m of want.mlm_logits_at_masked) {
    const [row] = rows(out.logits!, m.batch, m.position + 1).slice(m.position);
    expectClose(row!, m.logits, tol, `mlm logits at [${m.batch}][${m.position}]`);
  }
  expectArgmax(out.logits!, want.mlm_logits_summary.argmax, want.mlm_logits_summary.argmax_margin, c.lengths);
  expectClose(out.nspLogits!.data, want.nsp_logits, tol, 'nsp_logits');
  expectClose([out.loss!], [want.total_loss], tol, 'total_loss');
}

/** bert-hf-tiniest (30522 vocabulary) through BertLMHeadModel: sequence output and prediction-head logits. */
export function expectBertHfTiniest(out: Outputs, ref: Json, tol: number): void {
  ref.lengths.forEach((length: number, b: number) =>
    expectClose(rows(out.lastHiddenState, b, length), ref.float64.sequence_output[b], tol, `sequence_output[${b}]`),
  );
  expectPerPosition(out.logits!, ref, ref.float64.mlm_per_position, tol, false);
  const [atMask] = rows(out.logits!, 0, ref.mask_position_in_row0 + 1).slice(-1);
  expectClose(atMask!, ref.float64.mlm_logits_full_at_mask, tol, 'all logits at [MASK]');
  expect(out.logits!.shape).toEqual([2, ref.input_ids[0].length, 30522]);
}
