/**
 * One training-benchmark measurement in its own process, as bench/worker.mjs is for forwards:
 *
 *   node bench/train-worker.mjs <tfjs-cpu|tfjs-wasm> <nanogpt|bert-base> [runs=5] [budget seconds=45]
 *
 * Loads the row's cached checkpoint, reads the row's batch (written by bench/train.mjs), times forwards
 * that return only the loss and whole `Trainer.trainStep`s (AdamW with the row's parameter groups,
 * clipping; gradients and moments stay in the engine), and prints one JSON line on stdout.
 */
import os from 'node:os';
import { BertForMaskedLM } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { CHECKPOINTS } from './checkpoints.mjs';
import { machineBusySeconds } from './machine.mjs';
import { ROWS, readBatch } from './train-rows.mjs';
import { measureTraining, trainingCalls } from './train-timing.mjs';
import { ENGINES } from './worker.mjs';

const MODEL_CLASSES = { GPT2LMHeadModel, BertForMaskedLM };
const TRAINABLE = ['tfjs-cpu', 'tfjs-wasm']; // ONNX Runtime does not train (the trainer refuses it)

async function main() {
  const [engine, rowKey, runsArg, budgetArg] = process.argv.slice(2);
  const row = ROWS[rowKey];
  if (!TRAINABLE.includes(engine) || !row) throw new Error(`usage: train-worker.mjs <${TRAINABLE.join('|')}> <${Object.keys(ROWS).join('|')}> [runs] [budget seconds]`);
  const log = (msg) => process.stderr.write(`  [${engine} ${rowKey}] ${msg}\n`);
  const tf = await import('@tensorflow/tfjs-core');
  tf.env().set('PROD', true); // no debug checks while timing

  const batch = readBatch(rowKey);
  const t0 = performance.now();
  const backend = await ENGINES[engine]();
  const model = await MODEL_CLASSES[row.modelClass].fromPretrained(CHECKPOINTS[row.checkpoint].dir, { backend });
  const loadMs = performance.now() - t0;

  const { forward, step, dispose } = trainingCalls(model, row.recipe, batch);

  const busy0 = machineBusySeconds();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const measured = await measureTraining({ forward, step, runs: Number(runsArg ?? 5), budgetMs: 1000 * Number(budgetArg ?? 45), log });
  const wallSeconds = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ownSeconds = (cpu.user + cpu.system) / 1e6;
  const busy1 = machineBusySeconds();

  dispose();
  model.dispose();
  await backend.dispose();
  process.stdout.write(
    `${JSON.stringify({
      engine,
      backendName: backend.name,
      row: rowKey,
      parameters: model.parameters().reduce((n, p) => n + p.value.data.length, 0),
      loadMs,
      ...measured,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      ownLoad: ownSeconds / wallSeconds,
      othersLoad: busy0 === undefined ? undefined : Math.max(0, (busy1 - busy0 - ownSeconds) / wallSeconds),
      cores: os.availableParallelism(),
    })}\n`,
  );
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\nERROR: ${error?.message ?? error}\n`);
  process.exit(1);
});
