/**
 * Task-head semantics the fixtures do not pin down on their own, each against HF's rule: the label
 * config fields, problem_type inference, GPT-2's last-non-pad-token rule (and no pad id), heads a
 * checkpoint lacks (`initNewHeads`), a changing number of choices — and bad input, which gets a typed error.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BertForMultipleChoice,
  BertForNextSentencePrediction,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
  BertModel,
} from '@attnjs/bert';
import {
  type Backend,
  ConfigError,
  InputError,
  MissingTensorError,
  ShapeMismatchError,
  UnsupportedError,
  readSafetensors,
  serializeSafetensors,
} from '@attnjs/core';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification } from '@attnjs/gpt';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ENGINES as ENGINES } from './engines.js';
import { TOLERANCE, expectClose, fixtureDir, readReference, rows } from './reference.js';

const dirs: string[] = [];
const head = (name: string) => fixtureDir(`heads/${name}`);

/** A copy of a fixture head with its config edited and/or some tensors dropped. */
async function scratch(name: string, edit: { config?: (c: Record<string, unknown>) => void; drop?: RegExp }): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'attn-heads-'));
  dirs.push(dir);
  const config = JSON.parse(readFileSync(join(head(name), 'config.json'), 'utf8'));
  edit.config?.(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  if (!edit.drop) copyFileSync(join(head(name), 'model.safetensors'), join(dir, 'model.safetensors'));
  else {
    const file = await readSafetensors(join(head(name), 'model.safetensors'));
    const kept = [...file.tensors].filter(([k]) => !edit.drop!.test(k)).map(([k, t]) => [k, t.tensor] as const);
    writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(new Map(kept)));
  }
  return dir;
}

const logSoftmax = (row: number[]) => {
  const m = Math.max(...row);
  const z = Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0)) + m;
  return row.map((v) => v - z);
};
const bertInputs = (c: any) => ({ inputIds: c.input_ids, attentionMask: c.attention_mask, tokenTypeIds: c.token_type_ids });

let backend: Backend;
beforeAll(async () => {
  backend = await ENGINES[0]!.create();
});
afterAll(async () => {
  await backend.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('label config (HF PretrainedConfig rules)', () => {
  it('id2label decides num_labels; label2id and problem_type come from config.json', async () => {
    const model = await BertForSequenceClassification.fromPretrained(head('bert-seqcls'), { backend });
    expect(model.config.numLabels).toBe(3);
    expect(model.config.id2label).toEqual({ 0: 'negative', 1: 'neutral', 2: 'positive' });
    expect(model.config.label2id).toEqual({ negative: 0, neutral: 1, positive: 2 });
    expect(model.config.problemType).toBe('single_label_classification');
    model.dispose();
  });

  it('without id2label: 2 labels named LABEL_i, problem_type unset', async () => {
    const model = await BertForQuestionAnswering.fromPretrained(head('bert-qa'), { backend });
    expect(model.config.numLabels).toBe(2);
    expect(model.config.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1' });
    expect(model.config.label2id).toEqual({ LABEL_0: 0, LABEL_1: 1 });
    expect(model.config.problemType).toBeUndefined();
    model.dispose();
  });

  it('fromPretrained overrides: new label names; a different numLabels than the checkpoint is a shape mismatch', async () => {
    const renamed = await BertForSequenceClassification.fromPretrained(head('bert-seqcls'), { backend, id2label: { 0: 'bad', 1: 'meh', 2: 'good' } });
    expect(renamed.config.label2id).toEqual({ bad: 0, meh: 1, good: 2 });
    renamed.dispose();
    await expect(BertForSequenceClassification.fromPretrained(head('bert-seqcls'), { backend, numLabels: 5 })).rejects.toThrow(ShapeMismatchError);
    await expect(BertForSequenceClassification.fromPretrained(head('bert-seqcls'), { backend, numLabels: 2, id2label: { 0: 'a', 1: 'b', 2: 'c' } })).rejects.toThrow(/numLabels is 2 but id2label has 3/);
  });

  it('a problem_type HF does not know is a ConfigError naming it', async () => {
    const dir = await scratch('bert-seqcls', { config: (c) => (c.problem_type = 'ranking') });
    await expect(BertForSequenceClassification.fromPretrained(dir, { backend })).rejects.toThrow(ConfigError);
    await expect(BertForSequenceClassification.fromPretrained(dir, { backend })).rejects.toThrow(/"problem_type" is "ranking"/);
  });

  it('options a head does not take are refused', async () => {
    await expect(BertForQuestionAnswering.fromPretrained(head('bert-qa'), { backend, numLabels: 2 } as never)).rejects.toThrow(UnsupportedError);
    await expect(BertModel.fromPretrained(head('bert-nsp'), { backend, initNewHeads: true } as never)).rejects.toThrow(UnsupportedError);
    await expect(BertForNextSentencePrediction.fromPretrained(head('bert-nsp'), { backend, initNewHeads: 'yes' } as never)).rejects.toThrow(/initNewHeads must be true or false/);
  });
});

describe('problem_type unset: inferred per call as HF does', () => {
  it('1 label → regression (MSE); float multi-hot rows → multi-label (BCE); integer ids → single-label (CE)', async () => {
    const unset = (c: Record<string, unknown>) => delete c.problem_type;
    const regression = await BertForSequenceClassification.fromPretrained(await scratch('bert-regression', { config: unset }), { backend });
    const r = readReference('heads/bert-regression').cases[0];
    expectClose([(await regression.forward({ ...bertInputs(r), labels: r.labels })).loss!], [r.float64.loss], TOLERANCE.normal, 'inferred regression loss');
    regression.dispose();

    const multi = await BertForSequenceClassification.fromPretrained(await scratch('bert-seqcls-multilabel', { config: unset }), { backend });
    const m = readReference('heads/bert-seqcls-multilabel').cases[0];
    expectClose([(await multi.forward({ ...bertInputs(m), labels: m.labels })).loss!], [m.float64.loss], TOLERANCE.normal, 'inferred multi-label loss');
    const ids = [3, 0, 2];
    const single = await multi.forward({ ...bertInputs(m), labels: ids });
    const want = -ids.reduce((a, id, b) => a + logSoftmax(m.float64.logits[b])[id]!, 0) / ids.length;
    expectClose([single.loss!], [want], TOLERANCE.normal, 'inferred single-label loss');
    multi.dispose();
  });
});

describe('bad labels get an InputError naming them', () => {
  it.each([
    ['bert-seqcls', [0, 3], BertForSequenceClassification, /labels\[1\] = 3 is outside the valid range 0\.\.2/],
    ['bert-seqcls', [0], BertForSequenceClassification, /labels has 1 entries for a batch of 2/],
    ['bert-seqcls', [0.5, 1], BertForSequenceClassification, /needs integer class ids/],
    ['bert-seqcls-multilabel', [[1, 0, 0, 1.5], [0, 0, 0, 0]], BertForSequenceClassification, /must lie in \[0, 1\]; labels\[0\]\[3\] = 1\.5/],
    ['bert-seqcls-multilabel', [[1, 0, 0], [0, 0, 0]], BertForSequenceClassification, /shape \[2, 3\], expected \[2, 4\]/],
    ['bert-regression', [[1, 2], [3, 4]], BertForSequenceClassification, /expected \[2, 1\]/],
    ['bert-nsp', [0, 2], BertForNextSentencePrediction, /labels\[1\] = 2 is outside the valid range 0\.\.1/],
  ] as const)('%s: labels %j', async (name, labels, Head, message) => {
    const model = await Head.fromPretrained(head(name), { backend });
    const [a, b] = [101, 102];
    const inputs = { inputIds: [[a, 200, b], [a, 300, b]], labels: labels as never };
    await expect(model.forward(inputs)).rejects.toThrow(InputError);
    await expect(model.forward(inputs)).rejects.toThrow(message);
    model.dispose();
  });

  it('token labels outside num_labels; QA with only one of the positions', async () => {
    const tokens = await BertForTokenClassification.fromPretrained(head('bert-tokencls'), { backend });
    await expect(tokens.forward({ inputIds: [[101, 200, 102]], labels: [[-100, 5, -100]] })).rejects.toThrow(/labels\[0\]\[1\] = 5 is outside the valid range 0\.\.4/);
    tokens.dispose();
    const qa = await BertForQuestionAnswering.fromPretrained(head('bert-qa'), { backend });
    await expect(qa.forward({ inputIds: [[101, 200, 102]], startPositions: [1] })).rejects.toThrow(/needs both startPositions and endPositions/);
    await expect(qa.forward({ inputIds: [[101, 200, 102]], startPositions: [1, 2], endPositions: [1, 2] })).rejects.toThrow(/start_positions has 2 entries for a batch of 1/);
    qa.dispose();
  });

  it('multiple choice: ragged choices, mismatched masks and a label past the last choice', async () => {
    const model = await BertForMultipleChoice.fromPretrained(head('bert-multiple-choice'), { backend });
    const two = [[101, 200, 102], [101, 300, 102]];
    await expect(model.forward({ inputIds: [two, [two[0]!]] })).rejects.toThrow(/input_ids\[1\] has 1 choices, input_ids\[0\] has 2/);
    await expect(model.forward({ inputIds: [two], attentionMask: [[[1, 1, 1]]] })).rejects.toThrow(/attention_mask has 1 choices per example, input_ids has 2/);
    await expect(model.forward({ inputIds: [two], labels: [2] })).rejects.toThrow(/labels\[0\] = 2 is outside the valid range 0\.\.1/);
    model.dispose();
  });
});

describe('multiple choice with a different number of choices on the same model', () => {
  it('the first two of four choices give the same two logits', async () => {
    const model = await BertForMultipleChoice.fromPretrained(head('bert-multiple-choice'), { backend });
    const c = readReference('heads/bert-multiple-choice').cases[0];
    const firstTwo = (x: number[][][]) => x.map((choices) => choices.slice(0, 2));
    const out = await model.forward({ inputIds: firstTwo(c.input_ids), attentionMask: firstTwo(c.attention_mask), tokenTypeIds: firstTwo(c.token_type_ids) });
    expect(out.logits.shape).toEqual([2, 2]);
    expectClose(out.logits.data, c.float64.logits.map((row: number[]) => row.slice(0, 2)), TOLERANCE.normal, 'logits of 2 choices');
    model.dispose();
  });
});

describe('heads missing from the checkpoint', () => {
  it('a missing classifier is a MissingTensorError naming it, and saying how to start a fresh one', async () => {
    const dir = await scratch('bert-seqcls', { drop: /^classifier\./ });
    const error = await BertForSequenceClassification.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingTensorError);
    expect(error.message).toMatch(/tensor "classifier\.weight" is missing .*initNewHeads: true/);
  });

  it('initNewHeads: HF initialisation (weight N(0, initializer_range), bias 0), the same on every load; numLabels sizes it', async () => {
    const dir = await scratch('bert-seqcls', { drop: /^classifier\./ });
    const model = await BertForSequenceClassification.fromPretrained(dir, { backend, initNewHeads: true, numLabels: 5 });
    const again = await BertForSequenceClassification.fromPretrained(dir, { backend, initNewHeads: true, numLabels: 5 });
    const weight = model.classifier.weight.value.data;
    expect(model.classifier.weight.shape).toEqual([5, 64]);
    expect(model.config.id2label).toEqual({ 0: 'LABEL_0', 1: 'LABEL_1', 2: 'LABEL_2', 3: 'LABEL_3', 4: 'LABEL_4' });
    expect(Array.from(model.classifier.bias!.value.data)).toEqual([0, 0, 0, 0, 0]);
    const mean = weight.reduce((a, v) => a + v, 0) / weight.length;
    const std = Math.sqrt(weight.reduce((a, v) => a + (v - mean) ** 2, 0) / weight.length);
    expect(Math.abs(mean)).toBeLessThan(0.004); // 320 draws: the standard error of the mean is 0.0011
    expect(std).toBeGreaterThan(0.017);
    expect(std).toBeLessThan(0.023);
    expect(Array.from(again.classifier.weight.value.data)).toEqual(Array.from(weight));
    const out = await model.forward({ inputIds: [[101, 200, 102]], labels: [4] });
    expect(out.logits.shape).toEqual([1, 5]);
    expect(Number.isFinite(out.loss)).toBe(true);
    model.dispose();
    again.dispose();
  });

  it("BERT's pooler and GPT-2's classifier are heads too (HF initialises them fresh)", async () => {
    const noPooler = await scratch('bert-seqcls', { drop: /^bert\.pooler\./ });
    await expect(BertForSequenceClassification.fromPretrained(noPooler, { backend })).rejects.toThrow(/"bert\.pooler\.dense\.weight" is missing/);
    const bert = await BertForSequenceClassification.fromPretrained(noPooler, { backend, initNewHeads: true });
    expect(Number.isFinite((await bert.forward({ inputIds: [[101, 200, 102]] })).logits.data[0])).toBe(true);
    bert.dispose();
    const noClassifier = await scratch('gpt2-tokencls', { drop: /^classifier\./ });
    await expect(GPT2ForTokenClassification.fromPretrained(noClassifier, { backend })).rejects.toThrow(/"classifier\.weight" is missing/);
    const gpt = await GPT2ForTokenClassification.fromPretrained(noClassifier, { backend, initNewHeads: true });
    expect(Array.from(gpt.classifier.bias!.value.data)).toEqual([0, 0, 0, 0, 0]);
    gpt.dispose();
  });

  it('initNewHeads never covers the backbone', async () => {
    const dir = await scratch('bert-seqcls', { drop: /word_embeddings/ });
    await expect(BertForSequenceClassification.fromPretrained(dir, { backend, initNewHeads: true })).rejects.toThrow(/word_embeddings\.weight" is missing/);
  });
});

describe.each(ENGINES)('GPT2ForSequenceClassification pooling on $name', (engine) => {
  let engineBackend: Backend;
  beforeAll(async () => {
    engineBackend = await engine.create();
  });
  afterAll(async () => {
    await engineBackend.dispose();
  });

  /** HF's logits recomputed in float64 from the model's own last hidden state at `index[b]`: score · h. */
  async function expectPooledAt(model: GPT2ForSequenceClassification, inputIds: number[][], index: number[]) {
    const out = await model.forward({ inputIds, outputHiddenStates: true });
    const last = out.hiddenStates!.at(-1)!;
    const W = model.score.weight.value.data; // [C, d]
    const d = model.config.nEmbd;
    const want = index.map((t, b) => {
      const h = rows(last, b, t + 1)[t]!;
      return Array.from({ length: model.config.numLabels }, (_, c) => h.reduce((a, v, i) => a + v * W[c * d + i]!, 0));
    });
    expectClose(out.logits.data, want, 1e-6, `logits at positions ${index}`);
  }

  it('the rightmost token not equal to pad_token_id (999): right, middle and left padding', async () => {
    const model = await GPT2ForSequenceClassification.fromPretrained(head('gpt2-seqcls'), { backend: engineBackend });
    const ids = [
      [5, 6, 7, 8, 999, 999],
      [5, 6, 999, 7, 999, 999],
      [999, 999, 5, 6, 7, 8],
      [1, 2, 3, 4, 5, 6],
    ];
    await expectPooledAt(model, ids, [3, 3, 5, 5]);
    model.dispose();
  });

  it('without pad_token_id: the last position for one row, an InputError for a batch', async () => {
    const dir = await scratch('gpt2-seqcls', { config: (c) => delete c.pad_token_id });
    const model = await GPT2ForSequenceClassification.fromPretrained(dir, { backend: engineBackend });
    expect(model.config.padTokenId).toBeUndefined();
    await expectPooledAt(model, [[5, 6, 7, 999]], [3]);
    await expect(model.forward({ inputIds: [[5, 6], [7, 8]] })).rejects.toThrow(/batch of 2 without a padding token: config.json has no pad_token_id/);
    model.dispose();
  });
});

describe('no tensors left behind (tfjs-cpu)', () => {
  it('every head, with its loss, 5 times over', async () => {
    const cpu = await createTfjsBackend({ device: 'cpu' });
    const start = tf.memory().numTensors;
    const cases: [() => Promise<{ forward(i: object): Promise<unknown>; dispose(): void }>, object][] = [
      [() => BertForSequenceClassification.fromPretrained(head('bert-seqcls-multilabel'), { backend: cpu }), { inputIds: [[101, 200, 102]], labels: [[0, 1, 0.5, 0]] }],
      [() => BertForSequenceClassification.fromPretrained(head('bert-regression'), { backend: cpu }), { inputIds: [[101, 200, 102]], labels: [0.5] }],
      [() => BertForTokenClassification.fromPretrained(head('bert-tokencls'), { backend: cpu }), { inputIds: [[101, 200, 102]], labels: [[-100, 3, -100]] }],
      [() => BertForQuestionAnswering.fromPretrained(head('bert-qa'), { backend: cpu }), { inputIds: [[101, 200, 102]], startPositions: [1], endPositions: [9] }],
      [() => BertForMultipleChoice.fromPretrained(head('bert-multiple-choice'), { backend: cpu }), { inputIds: [[[101, 200, 102], [101, 300, 102]]], labels: [1] }],
      [() => BertForNextSentencePrediction.fromPretrained(head('bert-nsp'), { backend: cpu }), { inputIds: [[101, 200, 102]], labels: [1] }],
      [() => GPT2ForSequenceClassification.fromPretrained(head('gpt2-seqcls'), { backend: cpu }), { inputIds: [[5, 6, 999], [7, 8, 9]], labels: [0, 2] }],
    ];
    for (const [load, inputs] of cases) {
      const model = await load();
      await model.forward(inputs);
      const afterFirst = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) await model.forward(inputs);
      expect(tf.memory().numTensors).toBe(afterFirst);
      model.dispose();
      expect(tf.memory().numTensors).toBe(start);
    }
    await cpu.dispose();
  });
});
