/**
 * No leaks through the models: 1,000 forward calls of real checkpoints on tfjs leave
 * `tf.memory().numTensors` where it was after the first call (only the uploaded weights stay), and
 * disposing the model returns it to where it started.
 */
import { BertForPreTraining } from '@attnjs/bert';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { InputError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { fixtureDir } from './reference.js';

// tfjs-cpu runs the tiny model ~7× slower than wasm, so it does a tenth of the calls; the bookkeeping is the same.
const ENGINES = [
  { device: 'wasm', calls: 1000 },
  { device: 'cpu', calls: 100 },
] as const;

describe.each(ENGINES)('tfjs-$device', ({ device, calls }) => {
  it(`${calls} GPT-2 forward calls (with loss), generation, and a failing call leave no tensors behind`, async () => {
    const backend = await createTfjsBackend({ device });
    const start = tf.memory().numTensors;
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    const inputs = { inputIds: [[5, 6, 7, 8], [9, 10, 11, 0]], attentionMask: [[1, 1, 1, 1], [1, 1, 1, 0]], labels: [[5, 6, 7, 8], [9, 10, 11, -100]] };
    await model.forward(inputs);
    const afterFirst = tf.memory().numTensors;
    // The weights, once; on wasm also the [in, out] copy of the tied LM head, which wasm multiplies by
    // much faster than by a transposed operand.
    expect(afterFirst - start).toBe(model.parameters().length + (device === 'wasm' ? 1 : 0));

    for (let i = 0; i < calls; i++) await model.forward(inputs);
    await model.generate([5, 6, 7], { maxNewTokens: 4 });
    const failing = model.forward({ inputIds: [[5, 1000]] }); // the vocabulary is 0..999
    await expect(failing).rejects.toThrow(InputError);
    await expect(failing).rejects.toThrow('input_ids[0][1] = 1000 is outside the valid range 0..999');
    expect(tf.memory().numTensors).toBe(afterFirst);

    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
    await backend.dispose();
  });

  it('100 BERT pretraining calls leave no tensors behind', async () => {
    const backend = await createTfjsBackend({ device });
    const start = tf.memory().numTensors;
    const model = await BertForPreTraining.fromPretrained(fixtureDir('bert-tiny'), { backend });
    const inputs = {
      inputIds: [[101, 200, 103, 102, 300, 102]],
      tokenTypeIds: [[0, 0, 0, 0, 1, 1]],
      labels: [[-100, -100, 250, -100, -100, -100]],
      nextSentenceLabel: [1],
    };
    await model.forward(inputs);
    const afterFirst = tf.memory().numTensors;
    for (let i = 0; i < 100; i++) await model.forward(inputs);
    expect(tf.memory().numTensors).toBe(afterFirst);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
    await backend.dispose();
  });
});
