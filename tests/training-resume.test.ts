/**
 * Checkpoints and accumulation on tfjs-cpu: a run interrupted by save + load (new backend, new model, new
 * trainer) continues bit-identically; the saved folder is a Hugging Face model folder that loads with
 * `fromPretrained`; accumulating the same micro-batch twice equals one step on it, bit for bit; early
 * stopping's counts travel in the checkpoint, so a resumed run stops where an uninterrupted one does.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { InputError, Parameter, UnsupportedError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import {
  AdamW,
  type Random,
  SGD,
  Trainer,
  type TrainerOptions,
  decayGroups,
  latestCheckpoint,
  resumeFromCheckpoint,
  saveCheckpointAtStep,
} from '@attnjs/train';
import { afterAll, describe, expect, it } from 'vitest';
import { fixtureDir, readReference } from './reference.js';

type Batch = { inputIds: number[][]; attentionMask: number[][]; labels: number[][] };
const ref = readReference('training/gpt2-tiny');
// Short rows keep the steps cheap; the RNG picks the batch, so a resume must restore it to see the same data.
const batch = (index: number, random: Random): Batch => {
  const b = ref.batches[random.int(ref.batches.length)];
  const cut = (rows: number[][]) => rows.map((r) => r.slice(0, 16));
  return { inputIds: cut(b.input_ids), attentionMask: cut(b.attention_mask), labels: cut(b.labels) };
};

const created: string[] = [];
afterAll(async () => Promise.all(created.map((d) => rm(d, { recursive: true, force: true }))));

async function setUp(overrides: Partial<TrainerOptions<Batch>> = {}) {
  const backend = await createTfjsBackend({ device: 'cpu' });
  const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('training/gpt2-tiny'), { backend });
  const modelConfig = JSON.parse(await readFile(`${fixtureDir('training/gpt2-tiny')}config.json`, 'utf8'));
  const trainer = new Trainer<Batch>({
    model,
    optimizer: new AdamW({ groups: decayGroups(model, 0.1) }),
    learningRate: 3e-3,
    schedule: { type: 'cosine', warmupSteps: 1, totalSteps: 4, minLrRatio: 0.1 },
    maxGradNorm: 0.5,
    gradientAccumulationSteps: 2,
    seed: 1234,
    modelConfig,
    ...overrides,
  });
  const close = async () => {
    trainer.dispose();
    model.dispose();
    await backend.dispose();
  };
  return { backend, model, trainer, close };
}

describe('training checkpoints on tfjs-cpu', () => {
  it('N steps = N/2 steps + save + load + N/2 steps, bit for bit', async () => {
    const out = await mkdtemp(join(tmpdir(), 'attnjs-resume-'));
    created.push(out);

    const full = await setUp();
    const uninterrupted = await full.trainer.train({ maxSteps: 4, batch });
    const fullWeights = await full.trainer.readWeights();
    await full.close();

    const first = await setUp();
    await first.trainer.train({ maxSteps: 2, batch });
    const saved = await saveCheckpointAtStep(first.trainer, out);
    const savedWeights = await first.trainer.readWeights();
    await first.close();
    expect(await latestCheckpoint(out)).toBe(saved);
    expect((await readdir(saved)).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'trainer_state.json']);

    const second = await setUp();
    await resumeFromCheckpoint(second.trainer, saved);
    expect(second.trainer.step).toBe(2);
    const resumed = await second.trainer.train({ maxSteps: 4, batch });
    expect(resumed.map((r) => r.step)).toEqual([3, 4]);
    expect(resumed.map((r) => r.loss)).toEqual(uninterrupted.slice(2).map((r) => r.loss));
    expect(resumed.map((r) => r.gradNorm)).toEqual(uninterrupted.slice(2).map((r) => r.gradNorm));
    const resumedWeights = await second.trainer.readWeights();
    for (const [name, t] of fullWeights) expect(resumedWeights.get(name)!.data, name).toEqual(t.data);
    await second.close();

    // The checkpoint is a Hugging Face model folder: it loads with fromPretrained and has the trained weights.
    const backend = await createTfjsBackend({ device: 'cpu' });
    const reloaded = await GPT2LMHeadModel.fromPretrained(saved, { backend });
    const named = reloaded.namedParameters();
    for (const [name, t] of savedWeights) expect(named.get(name)!.value.data, name).toEqual(t.data);
    expect(savedWeights.get('transformer.wte.weight')!.data).not.toEqual(fullWeights.get('transformer.wte.weight')!.data);
    reloaded.dispose();
    await backend.dispose();
  });

  it('an update split into many small programs (updateChunkElements) gives the same weights, bit for bit', async () => {
    const whole = await setUp();
    await whole.trainer.train({ maxSteps: 3, batch });
    const wholeWeights = await whole.trainer.readWeights();
    const wholeMoments = await whole.trainer.readOptimizerState();
    await whole.close();
    const chunked = await setUp({ updateChunkElements: 1000 }); // gpt2-tiny: ~50 programs per update
    await chunked.trainer.train({ maxSteps: 3, batch });
    const chunkedWeights = await chunked.trainer.readWeights();
    const chunkedMoments = await chunked.trainer.readOptimizerState();
    await chunked.close();
    for (const [name, t] of wholeWeights) expect(chunkedWeights.get(name)!.data, name).toEqual(t.data);
    for (const [name, t] of wholeMoments) expect(chunkedMoments.get(name)!.data, name).toEqual(t.data);
    await expect(setUp({ updateChunkElements: 0 })).rejects.toThrow(InputError);
  });

  it('refuses to resume with another optimizer or accumulation', async () => {
    const out = await mkdtemp(join(tmpdir(), 'attnjs-resume-'));
    created.push(out);
    const run = await setUp();
    const saved = await saveCheckpointAtStep(run.trainer, out);
    await run.close();
    const other = await setUp({ gradientAccumulationSteps: 1 });
    await expect(resumeFromCheckpoint(other.trainer, saved)).rejects.toThrow(InputError);
    await expect(resumeFromCheckpoint(other.trainer, saved)).rejects.toThrow(/gradientAccumulationSteps was 2/);
    await other.close();
    const sgd = await setUp();
    const withSgd = new Trainer<Batch>({ ...sgd.trainer.options, optimizer: new SGD({ groups: decayGroups(sgd.model, 0) }) });
    await expect(resumeFromCheckpoint(withSgd, saved)).rejects.toThrow(/saved with optimizer "adamw", the trainer uses "sgd"/);
    withSgd.dispose();
    await sgd.close();
  });

  it('refuses options it cannot honour with typed errors', async () => {
    const run = await setUp();
    const base = { model: run.model, optimizer: run.trainer.optimizer, learningRate: 1e-3 };
    expect(() => new Trainer({ ...base, warmup: 3 } as never)).toThrow(UnsupportedError);
    expect(() => new Trainer({ ...base, learningRate: -1 })).toThrow(/learningRate/);
    expect(() => new Trainer({ ...base, gradientAccumulationSteps: 0 })).toThrow(/gradientAccumulationSteps/);
    expect(() => new Trainer({ ...base, maxGradNorm: 0 })).toThrow(/maxGradNorm/);
    expect(() => new Trainer({ ...base, optimizer: new AdamW({ groups: [{ params: [new Parameter([2])], weightDecay: 0 }] }) })).toThrow(
      /not the model's/,
    );
    await expect(run.trainer.trainStep([batch(0, { int: () => 0 } as unknown as Random)])).rejects.toThrow(/gradientAccumulationSteps is 2/);
    await expect(run.trainer.readGradients()).rejects.toThrow(/no step has been taken/);
    await run.close();
  });

  it('accumulating a micro-batch twice is one step on it, bit for bit', async () => {
    const fixed = batch(0, { int: () => 3 } as unknown as Random);
    const once = await setUp({ gradientAccumulationSteps: 1 });
    const a = [await once.trainer.trainStep([fixed]), await once.trainer.trainStep([fixed])];
    const wa = await once.trainer.readWeights();
    await once.close();
    const twice = await setUp({ gradientAccumulationSteps: 2 });
    const b = [await twice.trainer.trainStep([fixed, fixed]), await twice.trainer.trainStep([fixed, fixed])];
    const wb = await twice.trainer.readWeights();
    await twice.close();
    expect(b).toEqual(a);
    for (const [name, t] of wa) expect(wb.get(name)!.data, name).toEqual(t.data);
    expect(a[1]!.loss).toBeLessThan(a[0]!.loss); // it trains
  });
});

describe('early stopping across a resume on tfjs-cpu', () => {
  // Scores scripted by step (max mode, patience 3, every 2 steps): the best is 0.6 at step 4, then 0.55,
  // 0.58, 0.57 do not beat it, so the counter reaches 3 at step 10 and training stops there. Later scores
  // would improve, so a resumed run that lost the counter (or skipped an evaluation) trains on past 10.
  const SCORES: Record<number, number> = { 2: 0.5, 4: 0.6, 6: 0.55, 8: 0.58, 10: 0.57, 12: 0.9, 14: 0.95 };
  const evalBatch = batch(0, { int: () => 1 } as unknown as Random);

  async function trainWithEarlyStopping(run: Awaited<ReturnType<typeof setUp>>, interrupt?: { step: number; dir: string }) {
    const evaluations: [number, number, number][] = [];
    let saved: string | undefined;
    const records = await run.trainer.train({
      maxSteps: 14,
      batch,
      onStep: async (r) => {
        if (r.step !== interrupt?.step) return;
        saved = await saveCheckpointAtStep(run.trainer, interrupt.dir); // before this step's evaluation
        return 'stop';
      },
      evaluate: { batches: [evalBatch], computeMetrics: () => ({ score: SCORES[run.trainer.step]! }) },
      evalEvery: 2,
      onEvaluate: (m, step) => void evaluations.push([step, m.score!, m.loss!]),
      earlyStopping: { metric: 'score', patience: 3, mode: 'max' },
    });
    return { records, evaluations, saved, progress: run.trainer.evaluationProgress };
  }

  it('a run interrupted and resumed stops at the same step with the same best metric as an uninterrupted one', async () => {
    const full = await setUp({ schedule: { type: 'constant' }, gradientAccumulationSteps: 1 });
    const uninterrupted = await trainWithEarlyStopping(full);
    await full.close();
    expect(uninterrupted.records.at(-1)!.step).toBe(10);
    expect(uninterrupted.evaluations.map(([step, score]) => [step, score])).toEqual([[2, 0.5], [4, 0.6], [6, 0.55], [8, 0.58], [10, 0.57]]);
    expect(uninterrupted.progress).toEqual({ step: 10, earlyStopping: { metric: 'score', mode: 'max', best: 0.6, patienceCounter: 3 } });

    // Saved at step 7 (after step 6's evaluation) and at step 8 (before step 8's evaluation: it is due on resume).
    for (const [step, counted] of [[7, 6], [8, 6]] as const) {
      const out = await mkdtemp(join(tmpdir(), 'attnjs-early-stop-'));
      created.push(out);
      const first = await setUp({ schedule: { type: 'constant' }, gradientAccumulationSteps: 1 });
      const { saved } = await trainWithEarlyStopping(first, { step, dir: out });
      await first.close();
      const state = JSON.parse(await readFile(join(saved!, 'trainer_state.json'), 'utf8'));
      expect(state.evaluation, `checkpoint at step ${step}`).toEqual({
        step: counted,
        earlyStopping: { metric: 'score', mode: 'max', best: 0.6, patienceCounter: 1 },
      });

      const second = await setUp({ schedule: { type: 'constant' }, gradientAccumulationSteps: 1 });
      await resumeFromCheckpoint(second.trainer, saved!);
      const resumed = await trainWithEarlyStopping(second);
      await second.close();
      expect(resumed.records.map((r) => r.step), `resumed from step ${step}`).toEqual(uninterrupted.records.slice(step).map((r) => r.step));
      expect(resumed.records.map((r) => r.loss)).toEqual(uninterrupted.records.slice(step).map((r) => r.loss));
      expect(resumed.evaluations).toEqual(uninterrupted.evaluations.filter(([s]) => s > counted));
      expect(resumed.progress).toEqual(uninterrupted.progress);
    }
  });

  it('refuses a checkpoint whose evaluation progress is malformed', async () => {
    const out = await mkdtemp(join(tmpdir(), 'attnjs-early-stop-'));
    created.push(out);
    const run = await setUp();
    const saved = await saveCheckpointAtStep(run.trainer, out);
    const file = join(saved, 'trainer_state.json');
    const state = JSON.parse(await readFile(file, 'utf8'));
    expect(state.evaluation).toEqual({ step: 0 });
    await writeFile(file, JSON.stringify({ ...state, evaluation: { step: 0, earlyStopping: { metric: 'score', mode: 'up', best: 1, patienceCounter: 0 } } }));
    await expect(resumeFromCheckpoint(run.trainer, saved)).rejects.toThrow(/evaluation\.earlyStopping is invalid/);
    await writeFile(file, JSON.stringify({ ...state, evaluation: undefined }));
    await resumeFromCheckpoint(run.trainer, saved); // checkpoints from before evaluation progress was saved
    expect(run.trainer.evaluationProgress).toEqual({ step: 0 });
    await run.close();
  });
});
