/**
 * Where a training step's time goes on one engine: every tfjs kernel of a forward (loss only) and of
 * whole `Trainer.trainStep`s, counted and timed per kernel name with tf.profile (kernel time taken as this
 * process's CPU time, so other processes' load on a shared machine does not count), CPU time and kernels per
 * program of a step, tensors' peak and the wasm heap (which only grows: its size is the high-water mark).
 * For the training benchmark's rows; not a test. DETAIL=<kernel name> lists that kernel's input shapes.
 *
 *   node bench/train-profile.mjs <tfjs-wasm|tfjs-cpu> <nanogpt|bert-base> [top=25] [--heap [--no-forward]] [--full-logits]
 *
 * --heap runs only two steps program by program (a BERT-base step is slow to profile further).
 *
 * Needs the row's batch and checkpoint, which `node bench/train.mjs --rows <row> --engines pytorch` writes.
 */
import { BertForMaskedLM } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKPOINTS } from './checkpoints.mjs';
import { ROWS, readBatch } from './train-rows.mjs';
import { trainingCalls } from './train-timing.mjs';
import { ENGINES } from './worker.mjs';

const MODEL_CLASSES = { GPT2LMHeadModel, BertForMaskedLM };
const [engine, rowKey, topArg = '25'] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const row = ROWS[rowKey];
if (!ENGINES[engine] || !row) throw new Error('usage: train-profile.mjs <tfjs-wasm|tfjs-cpu> <nanogpt|bert-base> [top]');
tf.env().set('PROD', true);
const backend = await ENGINES[engine]();
const model = await MODEL_CLASSES[row.modelClass].fromPretrained(CHECKPOINTS[row.checkpoint].dir, { backend });
if (process.argv.includes('--full-logits')) {
  // The trainer's gradient program without the loss-only variant (BERT then scores every position): to compare.
  const loss = model.forwardProgram.bind(model);
  model.forwardProgram = (inputs, options) => loss(inputs, { ...options, lossOnly: false });
}
const { forward, step, dispose } = trainingCalls(model, row.recipe, readBatch(rowKey));

// Kernel times in CPU time of this process rather than wall time, so other processes' load does not count.
tf.backend().time = (f) => {
  const c0 = process.cpuUsage();
  f();
  const c = process.cpuUsage(c0);
  return Promise.resolve({ kernelMs: (c.user + c.system) / 1000 });
};

/** Kernels of one call of `fn`, grouped by name: count, total ms, bytes added. */
async function profile(label, fn) {
  let wall = performance.now();
  const info = await tf.profile(fn);
  wall = performance.now() - wall;
  const byName = new Map();
  let kernelMs = 0;
  // tf.profile also lists scopes (custom gradients, op wrappers) around kernels it lists too: only kernels count.
  for (const k of info.kernels.filter((k) => tf.getKernel(k.name, tf.getBackend()))) {
    const ms = await k.kernelTimeMs;
    const e = byName.get(k.name) ?? { count: 0, ms: 0 };
    e.count += 1;
    e.ms += typeof ms === 'number' ? ms : 0;
    byName.set(k.name, e);
    kernelMs += typeof ms === 'number' ? ms : 0;
  }
  const top = [...byName.entries()].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(topArg ?? 25));
  console.log(`\n## ${label}: ${byName.size} kernel types, ${[...byName.values()].reduce((n, e) => n + e.count, 0)} kernels, ${kernelMs.toFixed(0)} ms in kernels, ${wall.toFixed(0)} ms wall (profiling adds overhead); peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MB`);
  for (const [name, e] of top) console.log(`${name.padEnd(24)} ${String(e.count).padStart(5)}  ${e.ms.toFixed(1).padStart(8)} ms`);
  if (process.env.DETAIL) {
    const shapes = new Map();
    for (const k of info.kernels.filter((k) => k.name === process.env.DETAIL)) {
      const key = JSON.stringify(k.inputShapes) + ' ' + JSON.stringify(k.extraInfo ?? '');
      const e = shapes.get(key) ?? { count: 0, ms: 0 };
      e.count += 1;
      e.ms += await k.kernelTimeMs;
      shapes.set(key, e);
    }
    for (const [key, e] of [...shapes.entries()].sort((a, b) => b[1].ms - a[1].ms)) console.log(`  ${key} ×${e.count} ${e.ms.toFixed(1)} ms`);
  }
  return info;
}

/** Median CPU ms (user + system of this process) of `runs` calls: steadier than wall time on a shared machine. */
async function cpuMs(fn, runs = 5) {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    await fn();
    const c = process.cpuUsage(c0);
    times.push((c.user + c.system) / 1000);
  }
  return times.sort((a, b) => a - b)[Math.floor(runs / 2)];
}

/** tfjs-backend-wasm's heap: it only grows, so its size is the high-water mark of everything so far. */
const heapMB = () => (tf.getBackend() === 'wasm' ? tf.backend().wasm.HEAPU8.buffer.byteLength / 2 ** 20 : Number.NaN);

/** One trainStep with CPU time, kernels and the heap after each program it runs (gradients, norm, update chunks). */
async function stepByProgram() {
  const perProgram = new Map();
  const run = backend.run.bind(backend);
  backend.run = async (program, ...rest) => {
    const key = program.key.replace(/:update:.*/, ':update').replace(/^.*:grad/, 'gradients');
    const c0 = process.cpuUsage();
    let result;
    const info = await tf.profile(async () => void (result = await run(program, ...rest)));
    const c = process.cpuUsage(c0);
    const e = perProgram.get(key) ?? { ms: 0, kernels: 0, calls: 0 };
    const peak = Math.max(e.peak ?? 0, info.peakBytes / 2 ** 20);
    Object.assign(e, { ms: e.ms + (c.user + c.system) / 1000, kernels: e.kernels + info.kernels.length, calls: e.calls + 1, heap: heapMB(), peak });
    perProgram.set(key, e);
    return result;
  };
  try {
    await step();
  } finally {
    backend.run = run;
    console.log('\n## one trainStep by program (CPU ms under tf.profile, kernels, wasm heap after it)');
    for (const [key, e] of perProgram) console.log(`${key.padEnd(24)} ×${e.calls} ${e.ms.toFixed(0).padStart(6)} ms ${String(e.kernels).padStart(6)} kernels  tensors' peak ${e.peak.toFixed(0)} MB, heap after ${e.heap.toFixed(0)} MB`);
  }
}

const memory = (when) => console.log(`${when}: tensors ${(tf.memory().numBytes / 2 ** 20).toFixed(0)} MB, wasm heap ${heapMB().toFixed(0)} MB`);
memory('after loading');
if (!process.argv.includes('--no-forward')) {
  // --no-forward: the heap a training run alone reaches (an inference forward keeps its activations to its end).
  const forwardInfo = await tf.profile(forward);
  memory(`after a forward (tensors' peak during it ${(forwardInfo.peakBytes / 2 ** 20).toFixed(0)} MB)`);
}
if (process.argv.includes('--heap')) {
  // Only where the heap goes: one step program by program (BERT-base steps are slow to profile further).
  await stepByProgram();
  memory('after a step');
  await stepByProgram();
  memory('after a second step');
} else {
  await step(); // warm-up: optimizer state, first-use setup
  const forwardCpu = await cpuMs(forward);
  const stepCpu = await cpuMs(step);
  console.log(`CPU time (median of 5): forward ${forwardCpu.toFixed(0)} ms, step ${stepCpu.toFixed(0)} ms, step ÷ forward ${(stepCpu / forwardCpu).toFixed(2)}×`);
  await stepByProgram();
  await profile('forward (loss only)', forward);
  await profile('trainStep', step);
}
dispose();
model.dispose();
await backend.dispose();
