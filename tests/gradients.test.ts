/**
 * Autodiff through whole models on the TF.js engine: the step-1 gradients of GPT-2 and BERT match
 * PyTorch's float64 gradients (testdata/training, tolerance 5e-7 absolute per its README), with the
 * tied embedding / LM-head weight receiving the sum of both contributions.
 */
import { BertForPreTraining } from '@attnjs/bert';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { type BoundProgram, type PreTrainedModel, readSafetensors } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { describe, expect, it } from 'vitest';
import { expectClose, fixtureDir, readReference } from './reference.js';

const GRADIENT_TOLERANCE = 5e-7;
const LOSS_TOLERANCE = 5e-6;

async function checkGradients(model: PreTrainedModel & { forwardProgram(i: never): BoundProgram }, name: string, inputs: object) {
  const ref = readReference(`training/${name}`);
  const want = await readSafetensors(`${fixtureDir(`training/${name}`)}grads_step1.safetensors`);
  const backend = model.backend as Awaited<ReturnType<typeof createTfjsBackend>>;
  const { program, inputs: feeds } = model.forwardProgram(inputs as never);
  const { outputs, grads } = await backend.valueAndGrads(program, feeds, model.parameters());
  expectClose([outputs.loss!.data[0]!], [ref.grads_step1.loss], LOSS_TOLERANCE, 'loss');

  const named = model.namedParameters();
  let checked = 0;
  for (const [key, stored] of want.tensors) {
    const param = named.get(key);
    expect(param, `parameter for ${key}`).toBeDefined();
    const got = grads.get(param!)!;
    const diff = Math.max(...Array.from(got.data, (g, i) => Math.abs(g - stored.tensor.data[i]!)));
    expect(diff, `max |Δ| of d loss / d ${key}`).toBeLessThanOrEqual(GRADIENT_TOLERANCE);
    checked++;
  }
  expect(checked).toBe(ref.parameters.length);
}

describe.each(['cpu', 'wasm'] as const)('gradients on tfjs-%s', (device) => {
  it('GPT-2: d loss / d every parameter at step 1', async () => {
    const backend = await createTfjsBackend({ device });
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('training/gpt2-tiny'), { backend });
    const batch = readReference('training/gpt2-tiny').batches[0];
    await checkGradients(model, 'gpt2-tiny', {
      inputIds: batch.input_ids,
      attentionMask: batch.attention_mask,
      labels: batch.labels,
    });
    model.dispose();
    await backend.dispose();
  });

  it('BERT: d (MLM + NSP) / d every parameter at step 1', async () => {
    const backend = await createTfjsBackend({ device });
    const model = await BertForPreTraining.fromPretrained(fixtureDir('training/bert-tiny'), { backend });
    const batch = readReference('training/bert-tiny').batches[0];
    await checkGradients(model, 'bert-tiny', {
      inputIds: batch.input_ids,
      attentionMask: batch.attention_mask,
      tokenTypeIds: batch.token_type_ids,
      labels: batch.labels,
      nextSentenceLabel: batch.next_sentence_label,
    });
    model.dispose();
    await backend.dispose();
  });
});
