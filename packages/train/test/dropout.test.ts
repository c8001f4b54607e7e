/**
 * Dropout from the config, in training mode only: the op's statistics and determinism on tfjs-cpu, each
 * GPT-2 and BERT site wired (turning one rate up changes the training-mode loss; all zero leaves it equal
 * to inference), inference untouched, the classifier's own rate, an engine without the kernel refusing,
 * seeded, repeatable training runs whose masks change with the step and the micro-batch, and training-mode
 * attention probabilities (outputAttentions) returned after attention dropout, as Hugging Face returns them.
 */
import { copyFile, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import {
  BertForMaskedLM,
  BertForMultipleChoice,
  BertForNextSentencePrediction,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
} from '@attnjs/bert';
import { type Backend, type HostTensor, type Kernels, Ops, type Tensor, UnsupportedError, hostTensor } from '@attnjs/core';
import { GPT2ForSequenceClassification, GPT2ForTokenClassification, GPT2LMHeadModel } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SGD } from '../src/optimizer.js';
import { Trainer } from '../src/trainer.js';

const TESTDATA = new URL('../../../testdata/', import.meta.url);
let dir: string;
let backend: Backend;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attnjs-dropout-'));
  backend = await createTfjsBackend({ device: 'cpu' });
});
afterAll(async () => {
  await backend.dispose();
  await rm(dir, { recursive: true, force: true });
});

/** A copy of a fixture folder with config.json fields replaced. */
async function variant(fixture: string, overrides: Record<string, unknown>): Promise<string> {
  const out = await mkdtemp(join(dir, 'model-'));
  const source = fileURLToPath(new URL(`${fixture}/`, TESTDATA));
  const config = JSON.parse(await readFile(join(source, 'config.json'), 'utf8'));
  await writeFile(join(out, 'config.json'), JSON.stringify({ ...config, ...overrides }));
  await copyFile(join(source, 'model.safetensors'), join(out, 'model.safetensors'));
  return out;
}

function dropoutProgram(rate: number, seed: number) {
  return { owner: {}, key: 'dropout-test', build: (ops: Ops, x: Record<string, Tensor>) => ({ y: ops.dropout(x.x!, rate, seed) }) };
}

describe('Ops.dropout on tfjs', () => {
  const ones = hostTensor(new Float32Array(200 * 100).fill(1), [200, 100]);
  const run = async (rate: number, seed: number) => (await backend.run(dropoutProgram(rate, seed), { x: ones })).y!.data as Float32Array;

  it('zeroes a share `rate` of elements and scales the rest by 1/(1 − rate), as torch in training', async () => {
    const tensorsBefore = backend.memory().tensors;
    const y = await run(0.25, 7);
    expect(backend.memory().tensors, 'engine tensors after the run').toBe(tensorsBefore);
    const zeros = y.filter((v) => v === 0).length / y.length;
    expect(Math.abs(zeros - 0.25)).toBeLessThan(4 * Math.sqrt((0.25 * 0.75) / y.length)); // 4σ
    expect(new Set(y.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / 0.75)]));
  });

  it('the same seed gives the same mask, another seed another; rate 0 is the identity, rate 1 zeroes', async () => {
    expect(await run(0.5, 3)).toEqual(await run(0.5, 3));
    expect(await run(0.5, 3)).not.toEqual(await run(0.5, 4));
    expect(await run(0, 3)).toEqual(ones.data);
    expect((await run(1, 3)).every((v) => v === 0)).toBe(true);
  });

  it('an engine without a randomMask kernel refuses dropout, and rates outside [0, 1] are refused', () => {
    const ops = new Ops({} as Kernels);
    const x = { dtype: 'float32', shape: [2] } as Tensor;
    expect(ops.dropout(x, 0, 1)).toBe(x);
    expect(() => ops.dropout(x, 0.1, 1)).toThrow(UnsupportedError);
    expect(() => ops.dropout(x, 1.5, 1)).toThrow(/dropout rate must be in \[0, 1\]/);
  });
});

const IDS = [
  [5, 17, 230, 4, 99, 8, 61, 300],
  [12, 7, 7, 501, 33, 2, 90, 14],
];

async function gpt2Loss(overrides: Record<string, unknown>, seed?: number): Promise<number> {
  const model = await GPT2LMHeadModel.fromPretrained(await variant('gpt2-tiny', overrides), { backend });
  const bound = model.forwardProgram({ inputIds: IDS, labels: IDS }, seed === undefined ? undefined : { training: { seed } });
  const loss = (await backend.run(bound.program, bound.inputs, { outputs: ['loss'] })).loss!.data[0]!;
  model.dispose();
  return loss;
}

describe('GPT-2 dropout (embd_pdrop, attn_pdrop, resid_pdrop)', () => {
  const NONE = { embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 };

  it('with every rate 0, training mode computes the inference loss exactly', async () => {
    expect(await gpt2Loss(NONE, 1)).toBe(await gpt2Loss(NONE));
  });

  it('each rate acts on its own in training mode, and never in inference', async () => {
    const inference = await gpt2Loss(NONE);
    for (const field of ['embd_pdrop', 'attn_pdrop', 'resid_pdrop']) {
      const one = { ...NONE, [field]: 0.3 };
      expect(await gpt2Loss(one), `${field}: inference`).toBe(inference);
      const a = await gpt2Loss(one, 1);
      expect(a, `${field}: training differs from inference`).not.toBe(inference);
      expect(await gpt2Loss(one, 1), `${field}: same seed, same loss`).toBe(a);
      expect(await gpt2Loss(one, 2), `${field}: another seed`).not.toBe(a);
    }
  });

  it("Hugging Face's default 0.1 applies when config.json has no rates", async () => {
    const model = await GPT2LMHeadModel.fromPretrained(await variant('gpt2-tiny', { embd_pdrop: null, attn_pdrop: undefined }), { backend });
    expect([model.config.embdPdrop, model.config.attnPdrop, model.config.residPdrop]).toEqual([0.1, 0.1, 0]);
    model.dispose();
    await expect(GPT2LMHeadModel.fromPretrained(await variant('gpt2-tiny', { resid_pdrop: 1.5 }), { backend })).rejects.toThrow(
      /"resid_pdrop" must be a probability in \[0, 1\], got 1.5/,
    );
  });
});

describe('BERT dropout (hidden_dropout_prob, attention_probs_dropout_prob, classifier_dropout)', () => {
  const NONE = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };
  const feeds = { inputIds: IDS, labels: IDS.map((row) => row.map((id, i) => (i % 3 === 1 ? id : -100))) };

  it('masked-LM: each rate acts in training mode only', async () => {
    const loss = async (overrides: Record<string, unknown>, seed?: number) => {
      const model = await BertForMaskedLM.fromPretrained(await variant('bert-tiny', overrides), { backend });
      const bound = model.forwardProgram(feeds, seed === undefined ? undefined : { training: { seed } });
      const value = (await backend.run(bound.program, bound.inputs, { outputs: ['loss'] })).loss!.data[0]!;
      model.dispose();
      return value;
    };
    const inference = await loss(NONE);
    expect(await loss(NONE, 5)).toBe(inference);
    for (const field of ['hidden_dropout_prob', 'attention_probs_dropout_prob']) {
      const one = { ...NONE, [field]: 0.3 };
      expect(await loss(one), field).toBe(inference);
      expect(await loss(one, 5), field).not.toBe(inference);
      expect(await loss(one, 5), field).toBe(await loss(one, 5));
    }
  });

  it('sequence classification: classifier_dropout before the classifier, hidden_dropout_prob when it is null', async () => {
    const logits = async (overrides: Record<string, unknown>, seed?: number) => {
      const model = await BertForSequenceClassification.fromPretrained(await variant('heads/bert-seqcls', overrides), { backend });
      const bound = model.forwardProgram({ inputIds: IDS }, seed === undefined ? undefined : { training: { seed } });
      const out = (await backend.run(bound.program, bound.inputs, { outputs: ['logits'] })).logits as HostTensor;
      model.dispose();
      return [...out.data];
    };
    const inference = await logits(NONE);
    expect(await logits({ ...NONE, classifier_dropout: 0 }, 9)).toEqual(inference);
    expect(await logits({ ...NONE, classifier_dropout: 0.5 }, 9)).not.toEqual(inference);
    const model = await BertForSequenceClassification.fromPretrained(await variant('heads/bert-seqcls', { hidden_dropout_prob: 0.2, classifier_dropout: null }), { backend });
    expect(model.config.classifierDropout).toBe(0.2);
    model.dispose();
  });
});

describe('every task head builds in training mode', () => {
  const BERT_OFF = { hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, classifier_dropout: 0 };
  const GPT2_OFF = { embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0, classifier_dropout: 0 };
  // biome-ignore lint: each head class has its own input type
  const HEADS: [string, any, Record<string, unknown>, Record<string, unknown>, object][] = [
    ['heads/bert-seqcls', BertForSequenceClassification, BERT_OFF, { hidden_dropout_prob: 0.3 }, { inputIds: IDS }],
    ['heads/bert-tokencls', BertForTokenClassification, BERT_OFF, { hidden_dropout_prob: 0.3 }, { inputIds: IDS }],
    ['heads/bert-qa', BertForQuestionAnswering, BERT_OFF, { hidden_dropout_prob: 0.3 }, { inputIds: IDS }],
    ['heads/bert-nsp', BertForNextSentencePrediction, BERT_OFF, { hidden_dropout_prob: 0.3 }, { inputIds: IDS }],
    ['heads/bert-multiple-choice', BertForMultipleChoice, BERT_OFF, { hidden_dropout_prob: 0.3 }, { inputIds: [IDS] }],
    ['heads/gpt2-seqcls', GPT2ForSequenceClassification, GPT2_OFF, { resid_pdrop: 0.3 }, { inputIds: [IDS[0]!] }],
    ['heads/gpt2-tokencls', GPT2ForTokenClassification, GPT2_OFF, { resid_pdrop: 0.3 }, { inputIds: IDS }],
  ];
  const outputs = async (fixture: string, Head: any, overrides: Record<string, unknown>, inputs: object, seed?: number) => {
    const model = await Head.fromPretrained(await variant(fixture, overrides), { backend });
    const bound = model.forwardProgram(inputs, seed === undefined ? undefined : { training: { seed } });
    const out = await backend.run(bound.program, bound.inputs);
    model.dispose();
    return Object.keys(out).sort().flatMap((name) => [...(out[name] as HostTensor).data]);
  };

  it.each(HEADS)('%s: zero rates equal inference; a backbone rate changes training mode only', async (fixture, Head, off, on, inputs) => {
    const inference = await outputs(fixture, Head, off, inputs);
    expect(await outputs(fixture, Head, off, inputs, 4)).toEqual(inference);
    expect(await outputs(fixture, Head, { ...off, ...on }, inputs)).toEqual(inference);
    expect(await outputs(fixture, Head, { ...off, ...on }, inputs, 4)).not.toEqual(inference);
  });
});

describe('Trainer with dropout', () => {
  it('trains in training mode with masks seeded by (seed, step, micro-batch): runs repeat exactly', async () => {
    const path = await variant('gpt2-tiny', { embd_pdrop: 0.1, attn_pdrop: 0.1, resid_pdrop: 0.1 });
    const losses = async (seed: number) => {
      const model = await GPT2LMHeadModel.fromPretrained(path, { backend });
      const trainer = new Trainer({ model, optimizer: new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }] }), learningRate: 0.1, seed });
      const records = await trainer.train({ maxSteps: 3, batch: () => ({ inputIds: IDS, labels: IDS }) });
      const evaluated = await trainer.evaluate({ batches: [{ inputIds: IDS, labels: IDS }] });
      await trainer.syncModel();
      const inference = await model.forward({ inputIds: IDS, labels: IDS });
      trainer.dispose();
      model.dispose();
      return { train: records.map((r) => r.loss), evaluated: evaluated.loss!, inference: inference.loss };
    };
    const a = await losses(1);
    expect((await losses(1)).train).toEqual(a.train);
    expect((await losses(2)).train).not.toEqual(a.train);
    // Evaluation is inference mode: no dropout, so it agrees with the model's own forward pass.
    expect(Math.abs(a.evaluated - a.inference)).toBeLessThan(2e-6);
  });
});

describe('attention probabilities in training mode (outputAttentions)', () => {
  // Only the attention rate is on, so layer 0 sees the same input in both modes and its training-mode
  // probabilities must be the inference ones times a mask of 0 and 1/(1 − rate): Hugging Face's BERT and
  // GPT-2 return the probabilities after attention dropout (the ones that multiply V).
  const RATE = 0.3;
  const IDS_LONG = [Array.from({ length: 32 }, (_, i) => (i * 37 + 5) % 1000), Array.from({ length: 32 }, (_, i) => (i * 11 + 3) % 1000)];
  // biome-ignore lint: each model class has its own input type
  const MODELS: [string, any, Record<string, unknown>][] = [
    ['gpt2-tiny', GPT2LMHeadModel, { embd_pdrop: 0, attn_pdrop: RATE, resid_pdrop: 0 }],
    ['bert-tiny', BertForMaskedLM, { hidden_dropout_prob: 0, attention_probs_dropout_prob: RATE }],
  ];

  it.each(MODELS)('%s: dropped probabilities are returned, drawn from the same masks as without outputAttentions', async (fixture, Model, rates) => {
    const model = await Model.fromPretrained(await variant(fixture, rates), { backend });
    const run = async (outputAttentions: boolean, seed?: number) => {
      const bound = model.forwardProgram({ inputIds: IDS_LONG, labels: IDS_LONG, outputAttentions }, seed === undefined ? undefined : { training: { seed } });
      return backend.run(bound.program, bound.inputs);
    };
    const inference = (await run(true))['attentions.0']!.data as Float32Array;
    const trained = await run(true, 11);
    const dropped = trained['attentions.0']!.data as Float32Array;
    expect(dropped.length).toBe(inference.length);
    let zeros = 0;
    let counted = 0;
    for (const [i, p] of inference.entries()) {
      if (p === 0) continue; // masked (future) positions are 0 in both modes
      counted++;
      if (dropped[i] === 0) zeros++;
      else expect(Math.abs(dropped[i]! - p / (1 - RATE))).toBeLessThanOrEqual(1e-6 * (p / (1 - RATE)) + 1e-12);
    }
    expect(Math.abs(zeros / counted - RATE)).toBeLessThan(4 * Math.sqrt((RATE * (1 - RATE)) / counted)); // 4σ
    // Rows no longer sum to 1, unlike inference's.
    const rowSum = (data: Float32Array, row: number) => data.slice(row * 32, (row + 1) * 32).reduce((a, b) => a + b, 0);
    expect(Math.abs(rowSum(inference, 5) - 1)).toBeLessThan(1e-5);
    expect(Math.abs(rowSum(dropped, 5) - 1)).toBeGreaterThan(1e-3);
    // Asking for the attentions draws the same masks, so the loss is the same as without them.
    expect((await run(false, 11)).loss!.data[0]).toBe(trained.loss!.data[0]);
    expect((await run(false, 12)).loss!.data[0]).not.toBe(trained.loss!.data[0]);
    model.dispose();
  });
});

describe('Trainer dropout masks change with the step and the micro-batch', () => {
  // A learning rate so small that SGD leaves every float32 loss unchanged: the same batch's loss then
  // differs between steps only through the dropout masks.
  const train = async (rates: Record<string, unknown>, accumulation: number, steps: number) => {
    const model = await GPT2LMHeadModel.fromPretrained(await variant('gpt2-tiny', rates), { backend });
    const optimizer = new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }] });
    const trainer = new Trainer({ model, optimizer, learningRate: 1e-30, seed: 3, gradientAccumulationSteps: accumulation });
    const records = await trainer.train({ maxSteps: steps, batch: () => ({ inputIds: IDS, labels: IDS }) });
    trainer.dispose();
    model.dispose();
    return records.map((r) => r.loss);
  };
  const ON = { embd_pdrop: 0.2, attn_pdrop: 0.2, resid_pdrop: 0.2 };

  it('each step draws new masks; without dropout every step gives the same loss', async () => {
    const off = await train({ embd_pdrop: 0, attn_pdrop: 0, resid_pdrop: 0 }, 1, 3);
    expect(new Set(off).size).toBe(1);
    const on = await train(ON, 1, 3);
    expect(new Set(on).size).toBe(3);
    for (const loss of on) expect(loss).not.toBe(off[0]);
  });

  it('each micro-batch of a step draws its own masks (the first one the same as without accumulation)', async () => {
    const [single] = await train(ON, 1, 1);
    const [accumulated] = await train(ON, 2, 1); // the mean of two identical micro-batches
    // Equal masks would give the single micro-batch's loss back.
    expect(accumulated).not.toBe(single);
  });
});
