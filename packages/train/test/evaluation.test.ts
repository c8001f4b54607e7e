/**
 * Trainer.evaluate on gpt2-tiny and bert-tiny (tfjs-cpu): the token-weighted loss over several batches equals the loss
 * of one batch holding every row (the model's own forward, a separate graph); row weighting is the
 * batch-size mean; metrics see the logits; after a step, evaluation sees the trained weights.
 */
import { fileURLToPath } from 'node:url';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { type Backend, InputError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { argmaxLastAxis } from '../src/evaluation.js';
import { SGD } from '../src/optimizer.js';
import { Trainer } from '../src/trainer.js';

const FIXTURE = fileURLToPath(new URL('../../../testdata/gpt2-tiny/', import.meta.url));
type Batch = { inputIds: number[][]; labels: number[][] };
const X = -100;
// Batch A: 2 rows, 7 + 5 counted targets (the first position of a row predicts nothing); batch B: 1 row, 3.
const A: Batch = {
  inputIds: [
    [5, 17, 230, 4, 99, 8, 61, 300],
    [12, 7, 7, 501, 33, 2, 90, 14],
  ],
  labels: [
    [5, 17, 230, 4, 99, 8, 61, 300],
    [12, 7, X, 501, 33, X, 90, 14],
  ],
};
const B: Batch = { inputIds: [[40, 41, 42, 43, 44, 45, 46, 47]], labels: [[X, X, 42, X, 44, X, X, 47]] };

let backend: Backend;
let model: GPT2LMHeadModel;
let trainer: Trainer<Batch>;

beforeAll(async () => {
  backend = await createTfjsBackend({ device: 'cpu' });
  model = await GPT2LMHeadModel.fromPretrained(FIXTURE, { backend });
  trainer = new Trainer<Batch>({ model, optimizer: new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }] }), learningRate: 0.5 });
});
afterAll(async () => {
  trainer.dispose();
  model.dispose();
  await backend.dispose();
});

describe('Trainer.evaluate', () => {
  it('averages the loss over label tokens: two batches give the loss of one batch of all their rows', async () => {
    const whole = await model.forward({ inputIds: [...A.inputIds, ...B.inputIds], labels: [...A.labels, ...B.labels] });
    const tensorsBefore = backend.memory().tensors;
    const result = await trainer.evaluate({ batches: [A, B] });
    expect(backend.memory().tensors, 'engine tensors after evaluate').toBe(tensorsBefore);
    expect(Object.keys(result)).toEqual(['loss']);
    expect(Math.abs(result.loss! - whole.loss)).toBeLessThan(2e-6);
    // A plain mean of the two batch losses is not that (the weights 12 and 3 differ): the test can fail.
    const [a, b] = [await model.forward(A), await model.forward(B)];
    expect(Math.abs((a.loss + b.loss) / 2 - whole.loss)).toBeGreaterThan(1e-3);
    expect(Math.abs(result.loss! - (12 * a.loss + 3 * b.loss) / 15)).toBeLessThan(2e-6);
  });

  it('rows weighting is the batch-size-weighted mean; batches may come from a function or an async generator', async () => {
    const [a, b] = [await model.forward(A), await model.forward(B)];
    const rows = await trainer.evaluate({ batches: () => [A, B], lossWeighting: 'rows' });
    expect(Math.abs(rows.loss! - (2 * a.loss + 1 * b.loss) / 3)).toBeLessThan(2e-6);
    async function* stream() {
      yield A;
      yield B;
    }
    const streamed = await trainer.evaluate({ batches: stream(), lossWeighting: 'rows' });
    expect(streamed.loss).toBe(rows.loss);
  });

  it('hands the collected outputs to computeMetrics (next-token accuracy from argmax logits)', async () => {
    const result = await trainer.evaluate({
      batches: [A, B],
      outputs: ['logits'],
      collect: (out, batch) => ({ predicted: argmaxLastAxis(out.logits!), labels: batch.labels }),
      computeMetrics: (collected) => {
        let right = 0;
        let counted = 0;
        for (const { predicted, labels } of collected) {
          const T = labels[0]!.length;
          labels.forEach((row, r) => {
            for (let t = 1; t < T; t++) {
              if (row[t] === X) continue;
              counted++;
              if (predicted[r * T + t - 1] === row[t]) right++; // position t−1 predicts token t
            }
          });
        }
        return { accuracy: right / counted, counted };
      },
    });
    // Independently: argmax of model.forward's logits, by hand.
    let right = 0;
    for (const batch of [A, B]) {
      const { logits } = await model.forward({ inputIds: batch.inputIds });
      const [, T, V] = logits.shape as [number, number, number];
      batch.labels.forEach((row, r) => {
        for (let t = 1; t < T; t++) {
          if (row[t] === X) continue;
          const scores = Array.from(logits.data.subarray((r * T + t - 1) * V, (r * T + t) * V));
          if (scores.indexOf(Math.max(...scores)) === row[t]) right++;
        }
      });
    }
    expect(result.counted).toBe(15);
    expect(result.accuracy).toBeCloseTo(right / 15, 12);
  });

  it("evaluates the engine's trained weights, not the loaded ones", async () => {
    const before = await trainer.evaluate({ batches: [A] });
    await trainer.trainStep([A]);
    const after = await trainer.evaluate({ batches: [A] });
    expect(after.loss!).toBeLessThan(before.loss! - 1e-3); // SGD at lr 0.5 on the same batch lowers its loss
    await trainer.syncModel();
    const synced = await model.forward(A);
    expect(Math.abs(after.loss! - synced.loss)).toBeLessThan(2e-6);
  });

  it('refuses what it cannot do with typed errors', async () => {
    await expect(trainer.evaluate({ batches: [] })).rejects.toThrow(/batches were empty/);
    await expect(trainer.evaluate({ batches: 3 as never })).rejects.toThrow(InputError);
    await expect(trainer.evaluate({ batches: [A], outputs: ['nope'] })).rejects.toThrow(/no output "nope"/);
    await expect(trainer.evaluate({ batches: [A], lossWeighting: 'mean' as never })).rejects.toThrow(/lossWeighting/);
    await expect(trainer.evaluate({ batches: [A], metrics: [] } as never)).rejects.toThrow(/metrics/);
  });
});

describe('argmaxLastAxis', () => {
  it('picks the first largest value of each row', () => {
    const t = { dtype: 'float32', shape: [2, 3], data: new Float32Array([0.1, 0.7, 0.7, -1, -3, -2]) } as const;
    expect([...argmaxLastAxis(t as never)]).toEqual([1, 0]);
  });
});

describe('Trainer.evaluate on a masked LM (bert-tiny)', () => {
  it('asks for the loss alone through the loss-only program, with the loss forward gives', async () => {
    const { BertForMaskedLM } = await import('@attnjs/bert');
    const bert = await BertForMaskedLM.fromPretrained(fileURLToPath(new URL('../../../testdata/bert-tiny/', import.meta.url)), { backend });
    type MlmBatch = { inputIds: number[][]; labels: number[][] };
    const batch: MlmBatch = {
      inputIds: [
        [101, 7, 103, 9, 103, 102],
        [101, 40, 41, 103, 102, 0],
      ],
      labels: [
        [X, X, 55, X, 12, X],
        [X, X, X, 300, X, X],
      ],
    };
    const keys: string[] = [];
    const run = backend.run.bind(backend);
    const spy = Object.assign(Object.create(Object.getPrototypeOf(backend)), backend, {
      run: (program: { key: string }, inputs: never, options: never) => (keys.push(program.key), run(program as never, inputs, options)),
    });
    Object.defineProperty(bert, 'backendRef', { value: spy, configurable: true, writable: true });
    const mlmTrainer = new Trainer<MlmBatch>({ model: bert, optimizer: new SGD({ groups: [{ params: bert.parameters(), weightDecay: 0 }] }), learningRate: 0.1 });
    try {
      const { loss } = await mlmTrainer.evaluate({ batches: [batch] });
      const withLogits = await mlmTrainer.evaluate({ batches: [batch], outputs: ['logits'] });
      Object.defineProperty(bert, 'backendRef', { value: backend });
      const reference = await bert.forward(batch);
      expect(Math.abs(loss! - reference.loss!)).toBeLessThan(1e-6);
      expect(Math.abs(withLogits.loss! - reference.loss!)).toBeLessThan(1e-6);
      expect(keys.map((k) => k.includes(':loss-only')), `program keys: ${keys.join(' | ')}`).toEqual([true, false]);
    } finally {
      mlmTrainer.dispose();
      bert.dispose();
    }
  });
});
