/**
 * Task heads exported with `exportOnnx` run in plain onnxruntime-node (no attn.js involved), with
 * Optimum's input and output names, and give the PyTorch float64 reference logits.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BertForMultipleChoice,
  BertForNextSentencePrediction,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
} from '@attnjs/bert';
import { createOrtBackend, exportOnnx } from '@attnjs/backend-ort';
import type { Backend } from '@attnjs/core';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification } from '@attnjs/gpt';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOLERANCE, expectClose, fixtureDir, readReference } from './reference.js';

/** Nested integer arrays → an int64 tensor of their shape. */
function int64(nested: unknown[]): ort.Tensor {
  const dims: number[] = [];
  for (let x: unknown = nested; Array.isArray(x); x = x[0]) dims.push(x.length);
  return new ort.Tensor('int64', BigInt64Array.from((nested as number[]).flat(3) as number[], BigInt), dims);
}

const BERT_INPUTS = ['input_ids', 'attention_mask', 'token_type_ids'] as const;

describe('exportOnnx of the task heads', () => {
  let dir: string;
  let backend: Backend;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'attn-heads-export-'));
    backend = await createOrtBackend({ ort });
  });
  afterAll(async () => {
    await backend.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Exports `model`, opens it in onnxruntime-node and checks its names. */
  async function exported(model: { dispose(): void }, name: string, inputs: string[], outputs: string[]) {
    const path = join(dir, `${name}.onnx`);
    await exportOnnx(model as never, path);
    model.dispose();
    const session = await ort.InferenceSession.create(path);
    expect(session.inputNames).toEqual(inputs);
    expect(session.outputNames).toEqual(outputs);
    return session;
  }
  const bertFeeds = (c: any) => ({ input_ids: int64(c.input_ids), attention_mask: int64(c.attention_mask), token_type_ids: int64(c.token_type_ids) });

  it.each([
    ['bert-seqcls', BertForSequenceClassification],
    ['bert-seqcls-multilabel', BertForSequenceClassification],
    ['bert-regression', BertForSequenceClassification],
    ['bert-nsp', BertForNextSentencePrediction],
  ] as const)('%s → logits', async (name, Head) => {
    const model = await Head.fromPretrained(fixtureDir(`heads/${name}`), { backend });
    const session = await exported(model, name, [...BERT_INPUTS], ['logits']);
    for (const c of readReference(`heads/${name}`).cases) {
      const { logits } = await session.run(bertFeeds(c));
      expectClose(logits!.data as Float32Array, c.float64.logits, TOLERANCE.normal, `${c.name} logits`);
    }
    await session.release();
  });

  it.each([
    ['bert-tokencls', BertForTokenClassification, BERT_INPUTS],
    ['gpt2-tokencls', GPT2ForTokenClassification, ['input_ids', 'attention_mask']],
  ] as const)('%s → per-token logits', async (name, Head, inputs) => {
    const model = await Head.fromPretrained(fixtureDir(`heads/${name}`), { backend });
    const session = await exported(model, name, [...inputs], ['logits']);
    for (const c of readReference(`heads/${name}`).cases) {
      const { logits } = await session.run(Object.fromEntries(inputs.map((input) => [input, int64(c[input])])));
      const [, T, C] = logits!.dims as [number, number, number];
      c.lengths.forEach((length: number, b: number) => {
        const row = (logits!.data as Float32Array).subarray(b * T * C, (b * T + length) * C);
        expectClose(row, c.float64.logits[b], TOLERANCE.normal, `${c.name} logits[${b}]`);
      });
    }
    await session.release();
  });

  it('BertForQuestionAnswering → start_logits, end_logits', async () => {
    const model = await BertForQuestionAnswering.fromPretrained(fixtureDir('heads/bert-qa'), { backend });
    const session = await exported(model, 'bert-qa', [...BERT_INPUTS], ['start_logits', 'end_logits']);
    for (const c of readReference('heads/bert-qa').cases) {
      const out = await session.run(bertFeeds(c));
      expectClose(out.start_logits!.data as Float32Array, c.float64.start_logits_padded, TOLERANCE.normal, `${c.name} start_logits`);
      expectClose(out.end_logits!.data as Float32Array, c.float64.end_logits_padded, TOLERANCE.normal, `${c.name} end_logits`);
    }
    await session.release();
  });

  it('BertForMultipleChoice → logits, with inputs [batch_size, num_choices, sequence_length] (num_choices dynamic)', async () => {
    const model = await BertForMultipleChoice.fromPretrained(fixtureDir('heads/bert-multiple-choice'), { backend });
    const session = await exported(model, 'bert-mc', [...BERT_INPUTS], ['logits']);
    for (const c of readReference('heads/bert-multiple-choice').cases) {
      const { logits } = await session.run(bertFeeds(c));
      expect(logits!.dims).toEqual([c.labels.length, 4]);
      expectClose(logits!.data as Float32Array, c.float64.logits, TOLERANCE.normal, `${c.name} logits`);
      const firstThree = (x: number[][][]) => x.map((choices) => choices.slice(0, 3));
      const three = await session.run(bertFeeds({ input_ids: firstThree(c.input_ids), attention_mask: firstThree(c.attention_mask), token_type_ids: firstThree(c.token_type_ids) }));
      expectClose(three.logits!.data as Float32Array, c.float64.logits.map((r: number[]) => r.slice(0, 3)), TOLERANCE.normal, `${c.name} logits of 3 choices`);
    }
    await session.release();
  });

  it('GPT2ForSequenceClassification → logits at the last non-pad token', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(fixtureDir('heads/gpt2-seqcls'), { backend });
    const session = await exported(model, 'gpt2-seqcls', ['input_ids', 'attention_mask'], ['logits']);
    for (const c of readReference('heads/gpt2-seqcls').cases) {
      const { logits } = await session.run({ input_ids: int64(c.input_ids), attention_mask: int64(c.attention_mask) });
      expectClose(logits!.data as Float32Array, c.float64.logits, TOLERANCE.normal, `${c.name} logits`);
    }
    await session.release();
  });
});
