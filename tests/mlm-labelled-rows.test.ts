/**
 * The loss-only masked-LM program (forwardProgram(…, { lossOnly: true }), what the trainer runs) scores
 * only the labelled rows: on bert-tiny its loss and every gradient equal the full-logits program's
 * (1e-6 relative) and PyTorch's step-1 loss, it outputs no logits, and a batch with no labelled position
 * gives NaN loss as the full program (and HF) do, with zero gradients.
 */
import { BertForMaskedLM, BertForPreTraining } from '@attnjs/bert';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { type BoundProgram, type HostTensor, InputError, type PreTrainedModel } from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ENGINES } from './engines.js';
import { expectClose, fixtureDir, readReference } from './reference.js';

type TfjsBackend = Awaited<ReturnType<typeof createTfjsBackend>>;
type Model = PreTrainedModel & { forwardProgram(inputs: never, options?: { lossOnly?: boolean }): BoundProgram };

const RELATIVE = 1e-6;
/**
 * Below this a gradient is rounding noise: an attention key's bias shifts every score of a row alike, which
 * softmax ignores, so its gradient is exactly 0 in exact arithmetic and ~1e-12 in float32, where each
 * program's own summation order decides the noise.
 */
const NOISE = 1e-9;
const LOSS_TOLERANCE = 5e-6; // PyTorch parity, as tests/gradients.test.ts
const batch = readReference('training/bert-tiny').batches[0];
const mlmInputs = { inputIds: batch.input_ids, attentionMask: batch.attention_mask, tokenTypeIds: batch.token_type_ids, labels: batch.labels };
const preTrainingInputs = { ...mlmInputs, nextSentenceLabel: batch.next_sentence_label };

/** |a − b| ≤ RELATIVE · max|b| over the tensor, or ≤ NOISE (float32 sums in another order differ by rounding only). */
function expectRelativelyClose(got: ArrayLike<number>, want: ArrayLike<number>, what: string) {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < want.length; i++) {
    scale = Math.max(scale, Math.abs(want[i]!));
    diff = Math.max(diff, Math.abs(got[i]! - want[i]!));
  }
  expect(got.length, `${what}: size`).toBe(want.length);
  expect(diff, `${what}: max |Δ| against max |want| = ${scale}`).toBeLessThanOrEqual(Math.max(RELATIVE * scale, NOISE));
}

async function lossAndGrads(model: Model, inputs: object, lossOnly: boolean) {
  const backend = model.backend as TfjsBackend;
  const { program, inputs: feeds } = model.forwardProgram(inputs as never, { lossOnly });
  return backend.valueAndGrads(program, feeds, model.parameters());
}

describe.each(['cpu', 'wasm'] as const)('loss-only masked-LM program on tfjs-%s', (device) => {
  let backend: TfjsBackend;
  let mlm: BertForMaskedLM;
  let preTraining: BertForPreTraining;
  beforeAll(async () => {
    backend = await createTfjsBackend({ device });
    mlm = await BertForMaskedLM.fromPretrained(fixtureDir('training/bert-tiny'), { backend });
    preTraining = await BertForPreTraining.fromPretrained(fixtureDir('training/bert-tiny'), { backend });
  });
  afterAll(async () => {
    mlm.dispose();
    preTraining.dispose();
    await backend.dispose();
  });

  it.each([
    ['BertForMaskedLM', () => mlm, mlmInputs],
    ['BertForPreTraining (MLM + NSP)', () => preTraining, preTrainingInputs],
  ] as const)('%s: same loss and gradients as the full-logits program', async (_name, model, inputs) => {
    const full = await lossAndGrads(model() as Model, inputs, false);
    const gathered = await lossAndGrads(model() as Model, inputs, true);
    expectRelativelyClose(gathered.outputs.loss!.data, full.outputs.loss!.data, 'loss');
    for (const [key, param] of model().namedParameters()) {
      expectRelativelyClose(gathered.grads.get(param)!.data, full.grads.get(param)!.data, `d loss / d ${key}`);
    }
  });

  it('BertForPreTraining: the loss-only loss is PyTorch\'s step-1 loss', async () => {
    const { outputs } = await lossAndGrads(preTraining as Model, preTrainingInputs, true);
    expectClose([outputs.loss!.data[0]!], [readReference('training/bert-tiny').grads_step1.loss], LOSS_TOLERANCE, 'loss');
  });

  it('outputs only the loss, fed the labelled rows instead of labels', async () => {
    const { program, inputs } = mlm.forwardProgram({ ...mlmInputs }, { lossOnly: true });
    expect(inputs.labels).toBeUndefined();
    const labels = (batch.labels as number[][]).flat();
    const positions = labels.flatMap((label, i) => (label === -100 ? [] : [i]));
    expect(Array.from(inputs.masked_positions!.data)).toEqual(positions);
    expect(Array.from(inputs.masked_labels!.data)).toEqual(positions.map((i) => labels[i]));
    expect(positions.length).toBeLessThan(labels.length / 2); // the point: far fewer rows than tokens
    const out = await backend.run(program, inputs);
    expect(Object.keys(out)).toEqual(['loss']);
    const full = await mlm.forward(mlmInputs);
    expect(full.logits.shape).toEqual([...(inputs.input_ids as HostTensor).shape, mlm.config.vocabSize]); // forward still gives HF's logits
  });

  it('a batch with no labelled position: NaN loss, as the full program gives', async () => {
    const unlabelled = { ...mlmInputs, labels: (batch.labels as number[][]).map((row) => row.map(() => -100)) };
    const full = await mlm.forward(unlabelled);
    expect(full.loss).toBeNaN();
    const { program, inputs } = mlm.forwardProgram(unlabelled, { lossOnly: true });
    expect(inputs.masked_positions!.shape).toEqual([0]);
    const { outputs, grads } = await backend.valueAndGrads(program, inputs, mlm.parameters());
    expect(outputs.loss!.data[0]).toBeNaN();
    // No row reaches the loss, so no gradient flows: zeros, where the full program's 0·∞ terms give NaN.
    for (const [key, param] of mlm.namedParameters()) expect(grads.get(param)!.data.every((g) => g === 0), `d loss / d ${key}`).toBe(true);
  });

  it('refuses loss-only without labels, or with layer outputs asked for', () => {
    const { labels: _, ...unlabelled } = mlmInputs;
    expect(() => mlm.forwardProgram(unlabelled, { lossOnly: true })).toThrow(InputError);
    expect(() => mlm.forwardProgram(unlabelled, { lossOnly: true })).toThrow(/lossOnly program needs labels/);
    expect(() => mlm.forwardProgram({ ...mlmInputs, outputHiddenStates: true }, { lossOnly: true })).toThrow(/outputHiddenStates/);
  });
});

describe.each(USER_ENGINES)('loss-only masked-LM program on $name', (engine) => {
  it('gives forward\'s loss, for two batches with different numbers of labelled rows', async () => {
    const backend = await engine.create();
    const model = await BertForMaskedLM.fromPretrained(fixtureDir('training/bert-tiny'), { backend });
    for (const b of readReference('training/bert-tiny').batches.slice(0, 2)) {
      const inputs = { inputIds: b.input_ids, attentionMask: b.attention_mask, tokenTypeIds: b.token_type_ids, labels: b.labels };
      const { loss } = await model.forward(inputs);
      const { program, inputs: feeds } = model.forwardProgram(inputs, { lossOnly: true });
      const out = await backend.run(program, feeds);
      expectRelativelyClose(out.loss!.data, [loss], 'loss');
    }
    model.dispose();
    await backend.dispose();
  });
});
