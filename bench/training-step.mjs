/**
 * Milliseconds per forward and per forward + backward (`valueAndGrads`) on the nanoGPT CPU recipe's shape
 * (4 layers, 4 heads, 128 dims, context 64, batch 12, vocabulary 65): the numbers behind the training
 * speed work. Not a test: it measures and prints.
 *
 *   node bench/training-step.mjs [--device wasm|cpu] [--runs N] [--backend path/to/backend-tfjs/dist/index.js]
 *
 * `--backend` loads another build of @attnjs/backend-tfjs (e.g. one built before a change) for a before/after;
 * without it, a whole `Trainer.trainStep` (gradients kept in the engine, clipping, AdamW) is timed too.
 */
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { GPT2LMHeadModel } from '@attnjs/gpt';

const { values: args } = parseArgs({
  options: { device: { type: 'string', default: 'wasm' }, runs: { type: 'string', default: '5' }, backend: { type: 'string' } },
});
const { createTfjsBackend } = await import(args.backend ? pathToFileURL(args.backend).href : '@attnjs/backend-tfjs');

const config = { vocabSize: 65, nPositions: 64, nEmbd: 128, nLayer: 4, nHead: 4, nInner: 512, layerNormEpsilon: 1e-5, activation: 'tanh' };
const backend = await createTfjsBackend({ device: args.device });
const model = new GPT2LMHeadModel(config, { backend });
// Deterministic small weights (speed does not depend on the values, but NaN-free math keeps it honest).
let seed = 1;
const uniform = () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5) * 0.04;
for (const p of model.parameters()) p.value.data.forEach((_, i, data) => (data[i] = uniform()));

const [batch, context] = [12, 64];
const ids = Array.from({ length: batch }, (_, b) => Array.from({ length: context }, (_, t) => (b * 7 + t * 13) % 65));
const bound = model.forwardProgram({ inputIds: ids, labels: ids });
const params = model.parameters();

async function time(label, fn) {
  await fn(); // warm-up: uploads, wasm kernel set-up
  const ms = [];
  for (let i = 0; i < Number(args.runs); i++) {
    const start = performance.now();
    await fn();
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  const median = ms[Math.floor(ms.length / 2)];
  console.log(`${label.padEnd(28)} median ${median.toFixed(1)} ms (min ${ms[0].toFixed(1)}, runs ${ms.length})`);
  return median;
}

console.log(`tfjs-${args.device}, ${params.reduce((n, p) => n + p.value.data.length, 0)} parameters, ${batch}×${context} tokens`);
const forward = await time('forward (loss)', () => backend.run(bound.program, bound.inputs));
const step = await time('forward + backward', () => backend.valueAndGrads(bound.program, bound.inputs, params));
console.log(`backward / forward: ${((step - forward) / forward).toFixed(2)}×, step / forward: ${(step / forward).toFixed(2)}×`);
if (!args.backend) {
  const { AdamW, Trainer, decayGroups } = await import('@attnjs/train');
  const trainer = new Trainer({ model, optimizer: new AdamW({ groups: decayGroups(model, 0.1) }), learningRate: 1e-3, maxGradNorm: 1 });
  const batchInputs = { inputIds: ids, labels: ids };
  const train = await time('Trainer.trainStep (AdamW)', () => trainer.trainStep([batchInputs]));
  console.log(`train step / forward: ${(train / forward).toFixed(2)}×, ${((batch * context) / (train / 1000)).toFixed(0)} tokens/s`);
  trainer.dispose();
}
model.dispose();
await backend.dispose();
