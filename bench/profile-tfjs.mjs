/**
 * Where a tfjs engine's time goes on the benchmark forward (1×128): not part of `pnpm bench`, a tool for
 * whoever tunes backend-tfjs.
 *
 *   node bench/profile-tfjs.mjs [wasm|cpu] [gpt2|bert]
 *
 * Runs one warm-up forward, then one under tf.profile, and prints kernel time per tfjs kernel and the
 * slowest kernel calls with their input shapes.
 */
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { BertModel } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import * as tf from '@tensorflow/tfjs-core';
import { CHECKPOINTS, ensureCheckpoint } from './checkpoints.mjs';
import { benchIds } from './worker.mjs';

const device = process.argv[2] ?? 'wasm';
const modelKey = process.argv[3] ?? 'gpt2';
const checkpoint = CHECKPOINTS[modelKey];
await ensureCheckpoint(modelKey);
tf.env().set('PROD', true);

const backend = await createTfjsBackend({ device });
const load = modelKey === 'gpt2' ? GPT2LMHeadModel : BertModel;
const model = await load.fromPretrained(checkpoint.dir, { backend });
const ids = benchIds(checkpoint.config.vocab_size);

let t0 = performance.now();
await model.forward({ inputIds: ids });
const warmMs = performance.now() - t0;
t0 = performance.now();
const info = await tf.profile(async () => {
  await model.forward({ inputIds: ids });
});
const profiledMs = performance.now() - t0;

const byKernel = new Map();
let total = 0;
// Op scopes (`fusedMatMul__op`, `unnamed scope`) wrap the kernels they call: count kernels only.
const kernels = info.kernels.filter((k) => !k.name.endsWith('__op') && k.name !== 'unnamed scope');
for (const k of kernels) {
  const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  total += ms;
  const entry = byKernel.get(k.name) ?? { ms: 0, count: 0 };
  entry.ms += ms;
  entry.count += 1;
  byKernel.set(k.name, entry);
}

console.log(`${checkpoint.label} on tfjs-${device}, 1×128: first forward ${warmMs.toFixed(0)} ms, profiled forward ${profiledMs.toFixed(0)} ms`);
console.log(`peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MB during the forward; ${kernels.length} kernel calls, ${total.toFixed(0)} ms in kernels\n`);
console.log('| kernel | calls | ms | share |\n| --- | ---: | ---: | ---: |');
for (const [name, { ms, count }] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms)) {
  if (ms < 0.05 * total / 100) continue;
  console.log(`| ${name} | ${count} | ${ms.toFixed(1)} | ${((100 * ms) / total).toFixed(1)} % |`);
}
console.log('\nslowest calls:');
for (const k of [...kernels].sort((a, b) => b.kernelTimeMs - a.kernelTimeMs).slice(0, 15)) {
  console.log(`  ${k.kernelTimeMs.toFixed(1).padStart(8)} ms  ${k.name.padEnd(16)} in ${JSON.stringify(k.inputShapes)} out ${JSON.stringify(k.outputShapes)}`);
}
model.dispose();
await backend.dispose();
