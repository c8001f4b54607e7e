/**
 * Step-for-step parity with PyTorch through the trainer's public API (testdata/training, tolerances from
 * its README): 12 AdamW steps with warmup and clipping from gpt2-tiny and bert-tiny, both weight-decay
 * variants, on tfjs-cpu and tfjs-wasm — per-step loss, gradient norm and lr, the step-1 gradients and the
 * final weights. ONNX Runtime refuses to train with a typed error.
 */
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { UnsupportedError, readSafetensors } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { AdamW, SGD, Trainer, type TrainableModel, decayGroups } from '@attnjs/train';
import { describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { fixtureDir, readReference } from './reference.js';
import { MODELS, TOL, expectFinalWeights, expectStep, maxAbsDiff } from './training-reference.js';
import { referenceTrainer } from './training-setup.js';

async function checkRun(device: 'cpu' | 'wasm', name: keyof typeof MODELS, variant: 'all_decay' | 'decay_groups') {
  const ref = readReference(`training/${name}`);
  const hp = ref.hyperparameters;
  const backend = await createTfjsBackend({ device });
  const model = (await MODELS[name].load(backend)) as TrainableModel<unknown>;
  const trainer = referenceTrainer(model, hp, variant);
  const want = ref.variants[variant].float64.steps;
  const gradsWant = (await readSafetensors(`${fixtureDir(`training/${name}`)}grads_step1.safetensors`)).tensors;
  let tensorsAfterStep2 = 0;
  for (const [i, batch] of ref.batches.entries()) {
    const record = await trainer.trainStep([MODELS[name].batch(batch)]);
    if (i === 1) tensorsAfterStep2 = backend.memory().tensors!;
    expectStep({ ...record, clipped: record.clipCoefficient < 1 }, want[i]);
    if (i === 0) {
      const grads = await trainer.readGradients();
      expect([...grads.keys()].sort()).toEqual([...gradsWant.keys()].sort());
      for (const [key, stored] of gradsWant) {
        expect(maxAbsDiff(grads.get(key)!, stored.tensor, key), `step-1 d loss / d ${key}`).toBeLessThanOrEqual(TOL.grad);
      }
    }
  }
  expect(backend.memory().tensors, 'engine tensors after step 12 vs step 2 (a step leaks none)').toBe(tensorsAfterStep2);
  await expectFinalWeights(await trainer.readWeights(), name, variant);
  const leftBefore = backend.memory().states;
  trainer.dispose();
  expect(backend.memory().states).toBe(leftBefore - 1);
  model.dispose();
  await backend.dispose();
}

describe.each(['cpu', 'wasm'] as const)('training parity on tfjs-%s', (device) => {
  for (const name of ['gpt2-tiny', 'bert-tiny'] as const) {
    for (const variant of ['all_decay', 'decay_groups'] as const) {
      it(`${name}, ${variant}: 12 AdamW steps match PyTorch`, () => checkRun(device, name, variant));
    }
  }
});

describe.each(['cpu', 'wasm'] as const)('SGD on tfjs-%s', (device) => {
  it('one step is θ − lr·(g + wd·θ), with g PyTorch\'s step-1 gradient', async () => {
    const backend = await createTfjsBackend({ device });
    const model = (await MODELS['gpt2-tiny'].load(backend)) as TrainableModel<unknown>;
    const initial = new Map([...model.savedParameters()].map(([name, p]) => [name, Float32Array.from(p.value.data)]));
    const [lr, wd] = [0.5, 0.01];
    const groups = decayGroups(model, wd); // matrices decayed, 1-D tensors not
    const trainer = new Trainer({ model, optimizer: new SGD({ groups, momentum: 0.9 }), learningRate: lr });
    await trainer.trainStep([MODELS['gpt2-tiny'].batch(readReference('training/gpt2-tiny').batches[0])]);
    const grads = (await readSafetensors(`${fixtureDir('training/gpt2-tiny')}grads_step1.safetensors`)).tensors;
    for (const [name, got] of await trainer.readWeights()) {
      const theta = initial.get(name)!;
      const decay = got.shape.length >= 2 ? wd : 0;
      const g = grads.get(name)!.tensor.data;
      // lr·(gradient tolerance) plus float32 rounding of θ.
      const worst = Math.max(...Array.from(got.data, (v, i) => Math.abs(v - (theta[i]! - lr * (g[i]! + decay * theta[i]!)))));
      expect(worst, name).toBeLessThanOrEqual(lr * 5e-7 + 1e-6);
    }
    trainer.dispose();
    model.dispose();
    await backend.dispose();
  });
});

describe.each(ENGINES.filter((e) => e.name.startsWith('ort')))('training on $name', (engine) => {
  it('is refused with a typed error that names the tfjs engine', async () => {
    const backend = await engine.create();
    const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('training/gpt2-tiny'), { backend });
    const trainer = new Trainer({ model, optimizer: new AdamW({ groups: decayGroups(model, 0.01) }), learningRate: 1e-3 });
    const batch = MODELS['gpt2-tiny'].batch(readReference('training/gpt2-tiny').batches[0]);
    const error = await trainer.trainStep([batch]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UnsupportedError);
    expect(String(error)).toMatch(/training needs the tfjs engine/);
    trainer.dispose();
    model.dispose();
    await backend.dispose();
  });
});
