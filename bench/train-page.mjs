/**
 * The page side of the browser training benchmark (bench/train-browser.mjs bundles it with esbuild): one
 * function, `attnTrainBench`, that loads the row's checkpoint from the server, then times forwards and
 * `Trainer.trainStep`s on one tfjs device exactly as bench/train-worker.mjs does in Node.
 */
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { measureTraining, trainingCalls } from './train-timing.mjs';

/** Why the device cannot run in this browser, or undefined. */
async function unavailable(device) {
  if (device !== 'webgpu') return undefined;
  if (!navigator.gpu) return 'no navigator.gpu in this Chromium';
  return (await navigator.gpu.requestAdapter()) ? undefined : 'no adapter (navigator.gpu.requestAdapter() gave null)';
}

/** What draws for webgl / webgpu (SwiftShader without a GPU), so the table says what was measured. */
async function renderer(device) {
  if (device === 'webgpu') {
    const info = (await navigator.gpu.requestAdapter()).info ?? {};
    return [info.vendor, info.architecture, info.description].filter(Boolean).join(' ') || 'unknown adapter';
  }
  if (device !== 'webgl') return undefined;
  const gl = document.createElement('canvas').getContext('webgl2');
  const debug = gl?.getExtension('WEBGL_debug_renderer_info');
  return debug ? gl.getParameter(debug.UNMASKED_RENDERER_WEBGL) : 'unknown renderer';
}

async function attnTrainBench({ device, row, batch, runs, budgetMs }) {
  const skipped = await unavailable(device);
  if (skipped) return { skipped };
  const log = (msg) => console.log(`  [chromium-${device} ${row.checkpoint}] ${msg}`);
  const t0 = performance.now();
  const backend = await createTfjsBackend(device === 'wasm' ? { device, wasmPaths: '/tfjs-wasm/' } : { device });
  const model = await GPT2LMHeadModel.fromPretrained('/checkpoint/', { backend });
  const loadMs = performance.now() - t0;
  const { forward, step, dispose } = trainingCalls(model, row.recipe, batch);
  try {
    const measured = await measureTraining({ forward, step, runs, budgetMs, log });
    return { backendName: backend.name, renderer: await renderer(device), loadMs, ...measured };
  } finally {
    dispose();
    model.dispose();
    await backend.dispose();
  }
}

/** page.evaluate keeps only an error's message: fold the cause chain into it. */
async function attnTrainBenchOrError(options) {
  try {
    return await attnTrainBench(options);
  } catch (error) {
    const parts = [];
    for (let e = error, depth = 0; e != null && depth < 5; e = e.cause, depth++) parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    return { error: parts.join(' / caused by ') };
  }
}

Object.assign(globalThis, { attnTrainBench: attnTrainBenchOrError, attnReady: true });
