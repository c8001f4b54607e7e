/**
 * The page side of the browser suite, bundled by harness.ts from the built packages. It exposes one
 * function, `attnRun(engine, jobs)`, that loads each job's model from the server, runs its reference cases
 * on one engine and hands the raw outputs back to Node, which compares them with the references.
 */
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { BertForMaskedLM, BertForPreTraining, BertForSequenceClassification, BertLMHeadModel } from '@attnjs/bert';
import { type Backend, type HostTensor, hostTensor } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { pipeline } from '@attnjs/pipelines';
import { Tokenizer } from '@attnjs/tokenizers';
import type { TrainableModel } from '@attnjs/train';
import { referenceTrainer } from '../../training-setup.js';
import * as tf from '@tensorflow/tfjs-core';
import * as ort from 'onnxruntime-web';
import {
  type EngineName,
  type Failed,
  type ForwardOutputs,
  GELU_PROBE_X,
  type ModelJob,
  type ModelOutputs,
  type PageOutputs,
  type PipelineJob,
  type TrainJob,
  type TrainOutputs,
  type WireTensor,
} from './protocol.js';

// The same module instance @attnjs/backend-ort imports by default (one copy in the bundle): a page has
// to tell onnxruntime-web where its .wasm is served.
const ORT_WASM = new URL('/ort/', location.href).href;
ort.env.wasm.wasmPaths = ORT_WASM;

/** onnxruntime-web's other WebGPU build, passed as `ort`: its own module, env and .wasm. */
async function ortWebgpuNative() {
  const module = await import('onnxruntime-web/webgpu');
  module.env.wasm.wasmPaths = ORT_WASM;
  return createOrtBackend({ ort: module, executionProviders: ['webgpu'] });
}

const ENGINES: Record<EngineName, () => Promise<Backend>> = {
  'tfjs-cpu': () => createTfjsBackend({ device: 'cpu' }),
  'tfjs-wasm': () => createTfjsBackend({ device: 'wasm', wasmPaths: '/tfjs-wasm/' }),
  'tfjs-webgl': () => createTfjsBackend({ device: 'webgl' }),
  'tfjs-webgpu': () => createTfjsBackend({ device: 'webgpu' }),
  'ort-web-wasm': () => createOrtBackend(),
  'ort-web-webgpu': () => createOrtBackend({ executionProviders: ['webgpu'] }),
  'ort-web-webgpu-native': ortWebgpuNative,
};

async function geluProbe(backend: Backend): Promise<PageOutputs['gelu']> {
  const x = hostTensor(new Float32Array(GELU_PROBE_X), [GELU_PROBE_X.length]);
  const out = await backend.run(
    { owner: {}, key: 'gelu-probe', build: (ops, i) => ({ tanh: ops.gelu(i.x!, 'tanh'), erf: ops.gelu(i.x!, 'none') }) },
    { x },
  );
  return { tanh: Array.from(out.tanh.data), erf: Array.from(out.erf.data) };
}

const MODELS = { GPT2LMHeadModel, BertForPreTraining, BertLMHeadModel };

function toWire(t: HostTensor): WireTensor {
  const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return { shape: [...t.shape], base64: btoa(binary) };
}

/** Loads one fixture, runs every forward and generation of its job, and disposes it. */
async function runModel(backend: Backend, job: ModelJob): Promise<ModelOutputs> {
  // A string is a URL in a page: GPT-2 folders by absolute path, BERT's relative to the page.
  const folder = job.modelClass === 'GPT2LMHeadModel' ? `/testdata/${job.fixture}/` : `testdata/${job.fixture}/`;
  const model = await MODELS[job.modelClass].fromPretrained(folder, { backend });
  try {
    // A failing case is reported as its error, so that it fails alone and the other cases still run.
    const forwards: (ForwardOutputs | Failed)[] = [];
    for (const inputs of job.forwards) {
      forwards.push(await failedAs(async () => {
        // biome-ignore lint: the three heads' outputs differ in names only; the reference decides what is checked
        const out: any = await model.forward(inputs as never);
        return {
          loss: out.loss ?? null,
          logits: toWire(out.logits ?? out.predictionLogits),
          lastHiddenState: toWire(out.lastHiddenState),
          hiddenStates: out.hiddenStates?.map(toWire),
          attentions: out.attentions?.map(toWire),
          nspLogits: out.seqRelationshipLogits && toWire(out.seqRelationshipLogits),
        };
      }));
    }
    const generated: (number[] | Failed)[] = [];
    for (const { prompt, maxNewTokens, useCache } of job.generations) {
      generated.push(await failedAs(async () => (await (model as GPT2LMHeadModel).generate(prompt, { maxNewTokens, useCache }))[0]!.slice(prompt.length)));
    }
    return { forwards, generated };
  } finally {
    model.dispose();
  }
}

const PIPELINE_MODELS = { BertForMaskedLM, BertForSequenceClassification };

/** Runs the job's pipeline once on all its inputs (one padded batch), then frees what it loaded. */
async function runPipeline(backend: Backend, job: PipelineJob): Promise<unknown> {
  const folder = `testdata/${job.fixture}/`;
  if (job.modelClass === undefined || job.vocab === undefined) {
    const run = await pipeline(job.task as string, folder, { backend });
    try {
      return await run(job.inputs, job.options);
    } finally {
      run.dispose();
    }
  }
  const model = await PIPELINE_MODELS[job.modelClass].fromPretrained(folder, { backend });
  try {
    const run = await pipeline(job.task as string, { model, tokenizer: Tokenizer.fromWordPieceVocab(job.vocab) });
    try {
      return await run(job.inputs, job.options);
    } finally {
      run.dispose();
    }
  } finally {
    model.dispose();
  }
}

async function run(engine: EngineName, jobs: readonly ModelJob[], pipelineJobs: readonly PipelineJob[]): Promise<PageOutputs> {
  let t = performance.now();
  const lap = () => Math.round(-t + (t = performance.now()));
  const backend = await ENGINES[engine]();
  const ms: Record<string, number> = { create: lap() };
  try {
    const gelu = await geluProbe(backend);
    ms.gelu = lap();
    const models: ModelOutputs[] = [];
    for (const job of jobs) {
      models.push(await runModel(backend, job));
      ms[job.fixture] = lap();
    }
    const pipelines: unknown[] = [];
    for (const job of pipelineJobs) pipelines.push(await failedAs(() => runPipeline(backend, job)));
    ms.pipelines = lap();
    return { backend: backend.name, gelu, models, pipelines, ms };
  } finally {
    await backend.dispose();
  }
}

const TRAIN_MODELS = { GPT2LMHeadModel, BertForPreTraining };

/** One training run: a `trainStep` per batch, then the weights. */
async function runTraining(backend: Backend, job: TrainJob): Promise<TrainOutputs> {
  const model = (await TRAIN_MODELS[job.modelClass].fromPretrained(`/testdata/${job.fixture}/`, { backend })) as TrainableModel<unknown>;
  const trainer = referenceTrainer(model, job.hyperparameters, job.variant);
  const fusedUpdates = countKernelCalls('AttnAdamW');
  try {
    const steps: TrainOutputs['steps'] = [];
    for (const batch of job.batches) {
      const r = await trainer.trainStep([batch]);
      steps.push({ step: r.step, loss: r.loss, gradNorm: r.gradNorm, learningRate: r.learningRate, clipped: r.clipCoefficient < 1 });
    }
    const weights = Object.fromEntries([...(await trainer.readWeights())].map(([name, t]) => [name, toWire(t)]));
    return { steps, weights, fusedUpdates: fusedUpdates.count() };
  } finally {
    fusedUpdates.restore();
    trainer.dispose();
    model.dispose();
  }
}

/** Counts the calls of tfjs kernel `name` on the active tfjs device (0 where it is not registered). */
function countKernelCalls(name: string): { count(): number; restore(): void } {
  const backendName = tf.getBackend();
  const original = backendName ? tf.getKernel(name, backendName) : undefined;
  if (!original) return { count: () => 0, restore: () => {} };
  let calls = 0;
  tf.unregisterKernel(name, backendName);
  tf.registerKernel({ ...original, kernelFunc: (args) => (calls++, original.kernelFunc(args)) });
  return {
    count: () => calls,
    restore: () => {
      tf.unregisterKernel(name, backendName);
      tf.registerKernel(original);
    },
  };
}

/** Every training job on one engine, each its result or the error it threw. */
async function attnTrain(engine: EngineName, jobs: readonly TrainJob[]): Promise<(TrainOutputs | Failed)[]> {
  const backend = await ENGINES[engine]();
  try {
    const results: (TrainOutputs | Failed)[] = [];
    for (const job of jobs) results.push(await failedAs(() => runTraining(backend, job)));
    return results;
  } finally {
    await backend.dispose();
  }
}

/** page.evaluate keeps only an error's message: fold the cause chain (typed errors' names included) into it. */
function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e != null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
  }
  return parts.join('\n  caused by ');
}

async function failedAs<T>(f: () => Promise<T>): Promise<T | Failed> {
  try {
    return await f();
  } catch (error) {
    return { error: describeError(error) };
  }
}

async function attnRun(engine: EngineName, jobs: readonly ModelJob[], pipelineJobs: readonly PipelineJob[]): Promise<PageOutputs> {
  try {
    return await run(engine, jobs, pipelineJobs);
  } catch (error) {
    throw new Error(`${engine}: ${describeError(error)}`);
  }
}

Object.assign(globalThis, { attnRun, attnTrain, attnReady: true });
