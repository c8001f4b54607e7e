/**
 * The page side of the browser suite, bundled by harness.ts from the built packages. It exposes one
 * function, `attnRun(engine, inputs)`, that loads the sharp tiny models from the server, runs them on
 * one engine and hands the raw outputs back to Node, which compares them with the references.
 */
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { BertForPreTraining } from '@attnjs/bert';
import { type Backend, type HostTensor, hostTensor } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import * as ort from 'onnxruntime-web';
import { type EngineName, GELU_PROBE_X, type PageInputs, type PageOutputs } from './protocol.js';

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

/** Row b of a [B, T, D] tensor, valid positions only. */
function validRows(t: HostTensor, lengths: number[]): number[][][] {
  const [, T, D] = t.shape as [number, number, number];
  return lengths.map((length, b) =>
    Array.from({ length }, (_, i) => Array.from(t.data.subarray((b * T + i) * D, (b * T + i + 1) * D))),
  );
}

async function geluProbe(backend: Backend): Promise<PageOutputs['gelu']> {
  const x = hostTensor(new Float32Array(GELU_PROBE_X), [GELU_PROBE_X.length]);
  const out = await backend.run(
    { owner: {}, key: 'gelu-probe', build: (ops, i) => ({ tanh: ops.gelu(i.x!, 'tanh'), erf: ops.gelu(i.x!, 'none') }) },
    { x },
  );
  return { tanh: Array.from(out.tanh.data), erf: Array.from(out.erf.data) };
}

async function runGpt(backend: Backend, inputs: PageInputs['gpt'], ms: PageOutputs['ms'], lap: () => number) {
  const model = await GPT2LMHeadModel.fromPretrained('/testdata/gpt2-tiny-sharp', { backend }); // a string is a URL in a page
  try {
    const { prompt, maxNewTokens, lengths, ...batch } = inputs;
    const out = await model.forward(batch);
    ms.gpt = lap();
    const [sequence] = await model.generate(prompt, { maxNewTokens });
    ms.generate = lap();
    return { logits: validRows(out.logits!, lengths), loss: out.loss!, generated: sequence!.slice(prompt.length) };
  } finally {
    model.dispose();
  }
}

async function runBert(backend: Backend, inputs: PageInputs['bert'], ms: PageOutputs['ms'], lap: () => number) {
  const model = await BertForPreTraining.fromPretrained('testdata/bert-tiny-sharp/', { backend }); // relative to the page
  try {
    const { lengths, ...batch } = inputs;
    const out = await model.forward(batch);
    ms.bert = lap();
    const nsp = out.seqRelationshipLogits; // (B, 2)
    const nspLogits = lengths.map((_, b) => Array.from(nsp.data.subarray(b * 2, b * 2 + 2)));
    return { sequenceOutput: validRows(out.lastHiddenState, lengths), nspLogits, loss: out.loss! };
  } finally {
    model.dispose();
  }
}

async function run(engine: EngineName, inputs: PageInputs): Promise<PageOutputs> {
  let t = performance.now();
  const lap = () => -t + (t = performance.now());
  const backend = await ENGINES[engine]();
  const ms = { create: lap(), gelu: 0, gpt: 0, generate: 0, bert: 0 };
  try {
    const gelu = await geluProbe(backend);
    ms.gelu = lap();
    const gpt = await runGpt(backend, inputs.gpt, ms, lap);
    const bert = await runBert(backend, inputs.bert, ms, lap);
    return { backend: backend.name, gelu, gpt, bert, ms };
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

async function attnRun(engine: EngineName, inputs: PageInputs): Promise<PageOutputs> {
  try {
    return await run(engine, inputs);
  } catch (error) {
    throw new Error(`${engine}: ${describeError(error)}`);
  }
}

Object.assign(globalThis, { attnRun, attnReady: true });
