/**
 * Training in headless Chromium: the step-for-step parity of tests/training.test.ts (testdata/training,
 * 12 AdamW steps with warmup and clipping, the same tolerances) through the trainer's public API on the
 * tfjs devices a page has: wasm (with its SIMD kernels inside tfjs-backend-wasm's memory), webgl and
 * webgpu (software adapters here: correct, slow). ONNX Runtime Web refuses to train with a typed error.
 *
 * Needs Chromium (`pnpm test` installs it: tests/ensure-system.mjs) and `pnpm build`.
 */
import { hostTensor } from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReference } from '../reference.js';
import { MODELS, type Variant, expectFinalWeights, expectStep } from '../training-reference.js';
import { openSuitePage, type SuitePage, withPageLog } from './harness.js';
import type { EngineName, Failed, TrainJob, TrainOutputs, WireTensor } from './page/protocol.js';

const RUNS: readonly { name: keyof typeof MODELS; variant: Variant; modelClass: TrainJob['modelClass'] }[] = [
  { name: 'gpt2-tiny', variant: 'decay_groups', modelClass: 'GPT2LMHeadModel' },
  { name: 'bert-tiny', variant: 'all_decay', modelClass: 'BertForPreTraining' },
];

const JOBS: TrainJob[] = RUNS.map(({ name, variant, modelClass }) => {
  const ref = readReference(`training/${name}`);
  return {
    name: `${name}, ${variant}`,
    modelClass,
    fixture: `training/${name}`,
    variant,
    hyperparameters: ref.hyperparameters,
    batches: ref.batches.map(MODELS[name].batch),
  };
});

const fromWire = (w: WireTensor) => hostTensor(new Float32Array(Uint8Array.from(Buffer.from(w.base64, 'base64')).buffer), w.shape);

function succeeded(result: TrainOutputs | Failed | undefined): TrainOutputs {
  if (result === undefined) throw new Error('the page returned no result for this run');
  if ('error' in result) throw new Error(`the page failed on this run: ${result.error}`);
  return result;
}

describe('training in headless Chromium', () => {
  let suite: SuitePage | undefined;
  let train: (engine: EngineName) => Promise<(TrainOutputs | Failed)[]>;

  beforeAll(async () => {
    suite = await openSuitePage();
    const { page } = suite;
    train = (engine) =>
      page
        .evaluate(
          ([e, jobs]) => (globalThis as unknown as { attnTrain: (e: EngineName, j: readonly TrainJob[]) => Promise<(TrainOutputs | Failed)[]> }).attnTrain(e, jobs),
          [engine, JOBS] as const,
        )
        .catch((error: unknown) => Promise.reject(withPageLog(error, suite?.log ?? [])));
  }, 120_000);

  afterAll(async () => {
    await suite?.close();
  });

  // The fused AdamW kernel runs once per parameter and step on every device: wasm (SIMD module), webgl
  // (three fragment shaders) and webgpu (three compute shaders).
  describe.each(['tfjs-wasm', 'tfjs-webgl', 'tfjs-webgpu'] as const)('%s', (engine) => {
    let results: (TrainOutputs | Failed)[];
    beforeAll(async () => {
      results = await train(engine);
    }, 600_000); // the software GPUs compile shaders for every new shape

    RUNS.forEach(({ name, variant }, i) => {
      it(`${name}, ${variant}: 12 AdamW steps match PyTorch`, async () => {
        const out = succeeded(results[i]);
        const want = readReference(`training/${name}`).variants[variant].float64.steps;
        expect(out.steps).toHaveLength(want.length);
        out.steps.forEach((step, s) => expectStep(step, want[s]));
        expect(out.fusedUpdates, 'fused AdamW calls').toBe(want.length * Object.keys(out.weights).length);
        await expectFinalWeights(new Map(Object.entries(out.weights).map(([key, w]) => [key, fromWire(w)])), name, variant);
      });
    });
  });

  it('ort-web-wasm refuses to train with a typed error', async () => {
    const [result] = await train('ort-web-wasm');
    expect(result).toHaveProperty('error');
    expect((result as Failed).error).toMatch(/UnsupportedError: .*training needs the tfjs engine/);
  }, 120_000);
});
