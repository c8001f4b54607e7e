/**
 * `exportOnnx(model, path)` writes a standalone .onnx file that plain onnxruntime-node runs (no attn.js
 * involved) with Optimum's input/output names, and its outputs match the PyTorch float64 references.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertForPreTraining } from '@attnjs/bert';
import { createOrtBackend, exportOnnx } from '@attnjs/backend-ort';
import type { Backend } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOLERANCE, expectClose, fixtureDir, readReference } from './reference.js';

const int64 = (rows: number[][]) => new ort.Tensor('int64', BigInt64Array.from(rows.flat(), BigInt), [rows.length, rows[0]!.length]);

/** Row b, first `length` positions of a [B, T, D] float tensor. */
function trimmed(t: ort.Tensor, b: number, length: number): Float32Array {
  const [, T, D] = t.dims as [number, number, number];
  return (t.data as Float32Array).subarray(b * T * D, (b * T + length) * D);
}

describe('exportOnnx', () => {
  let dir: string;
  let backend: Backend;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attn-export-'));
    backend = await createOrtBackend({ ort });
  });
  afterAll(async () => {
    await backend.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('GPT-2 (gpt2-tiny): plain onnxruntime-node runs the decoder with past, as Optimum names it', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    const path = join(dir, 'gpt2-tiny.onnx');
    await exportOnnx(model, path);

    const session = await ort.InferenceSession.create(path);
    const layers = [0, 1];
    const past = layers.flatMap((i) => [`past_key_values.${i}.key`, `past_key_values.${i}.value`]);
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'position_ids', ...past]);
    expect(session.outputNames).toEqual(['logits', ...layers.flatMap((i) => [`present.${i}.key`, `present.${i}.value`])]);
    const emptyPast = (rows: number) =>
      Object.fromEntries(past.map((n) => [n, new ort.Tensor('float32', new Float32Array(0), [rows, 4, 0, 16])]));
    for (const c of readReference('gpt2-tiny').cases) {
      const T = c.input_ids[0].length;
      const positions = c.attention_mask.map((row: number[]) => row.map((_, i) => i));
      const { logits } = await session.run({
        input_ids: int64(c.input_ids),
        attention_mask: int64(c.attention_mask),
        position_ids: int64(positions),
        ...emptyPast(c.input_ids.length),
      });
      const ours = await model.forward({ inputIds: c.input_ids, attentionMask: c.attention_mask });
      c.lengths.forEach((length: number, b: number) => {
        expectClose(trimmed(logits!, b, length), c.float64.logits[b], TOLERANCE.normal, `${c.name} logits[${b}] vs PyTorch`);
        expectClose(trimmed(logits!, b, length), ours.logits!.data.subarray(b * T * 1000, (b * T + length) * 1000), 1e-6, `${c.name} logits[${b}] vs backend`);
      });
    }
    // A decode step fed the prefill's present: the last token's logits equal the full sequence's.
    const [c] = readReference('gpt2-tiny').cases;
    const ids: number[] = c.input_ids[0].slice(0, c.lengths[0]);
    const prefix = ids.slice(0, -1);
    const first = await session.run({
      input_ids: int64([prefix]),
      attention_mask: int64([prefix.map(() => 1)]),
      position_ids: int64([prefix.map((_, i) => i)]),
      ...emptyPast(1),
    });
    const step = await session.run({
      input_ids: int64([[ids.at(-1)!]]),
      attention_mask: int64([ids.map(() => 1)]),
      position_ids: int64([[ids.length - 1]]),
      ...Object.fromEntries(past.map((n) => [n, first[n.replace('past_key_values', 'present')]!])),
    });
    expectClose(step.logits!.data as Float32Array, c.float64.logits[0][ids.length - 1], TOLERANCE.normal, 'decode step vs PyTorch');
    await session.release();
    model.dispose();
  });

  it('BERT (bert-tiny): plain onnxruntime-node gives the reference NSP and MLM logits', async () => {
    const model = await BertForPreTraining.fromPretrained(fixtureDir('bert-tiny'), { backend });
    const path = join(dir, 'bert-tiny.onnx');
    await exportOnnx(model, path);

    const session = await ort.InferenceSession.create(path);
    expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(session.outputNames).toEqual(['prediction_logits', 'seq_relationship_logits']);
    const [c] = readReference('bert-tiny').cases;
    const out = await session.run({
      input_ids: int64(c.input_ids),
      attention_mask: int64(c.attention_mask),
      token_type_ids: int64(c.token_type_ids),
    });
    expectClose(out.seq_relationship_logits!.data as Float32Array, c.float64.nsp_logits, TOLERANCE.normal, 'nsp_logits');
    for (const m of c.float64.mlm_logits_at_masked) {
      const row = trimmed(out.prediction_logits!, m.batch, m.position + 1).subarray(m.position * 1000);
      expectClose(row, m.logits, TOLERANCE.normal, `mlm logits at [${m.batch}][${m.position}]`);
    }
    await session.release();
    model.dispose();
  });
});
