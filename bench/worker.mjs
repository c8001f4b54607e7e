/**
 * One benchmark measurement in its own process, so its peak RSS is its own:
 *
 *   node bench/worker.mjs <engine> <gpt2|bert> [warmup=2] [runs=5] [budget seconds=45]
 *
 * Loads the cached checkpoint on one engine, runs `warmup` untimed forwards of 1×128 tokens (the first
 * one uploads weights / compiles the graph and is reported separately), then up to `runs` timed ones,
 * and prints one JSON line on stdout. Progress goes to stderr. Slow engines (tfjs-cpu takes tens of
 * seconds per forward) get fewer runs: no more warm-ups once the first call took over `budget / 4`
 * seconds, and no more timed runs once `budget` seconds have been spent on them (at least one).
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { BertModel } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { CHECKPOINTS } from './checkpoints.mjs';
import { machineBusySeconds } from './machine.mjs';

export const SEQUENCE_LENGTH = 128;

export const ENGINES = {
  'tfjs-cpu': () => createTfjsBackend({ device: 'cpu' }),
  'tfjs-wasm': () => createTfjsBackend({ device: 'wasm' }),
  'ort-web': () => createOrtBackend(),
  'ort-node': async () => createOrtBackend({ ort: await import('onnxruntime-node') }),
};

const MODELS = {
  // Full (1, 128, 50257) logits, as GPT2LMHeadModel returns them.
  gpt2: { load: (dir, backend) => GPT2LMHeadModel.fromPretrained(dir, { backend }), output: (out) => out.logits },
  bert: { load: (dir, backend) => BertModel.fromPretrained(dir, { backend }), output: (out) => out.lastHiddenState },
};

/** The same ids in every process and in torch_peer.py: (i · 7919 + 13) mod vocab. */
export function benchIds(vocabSize) {
  return [Array.from({ length: SEQUENCE_LENGTH }, (_, i) => (i * 7919 + 13) % vocabSize)];
}

const mb = (bytes) => bytes / 2 ** 20;

async function main() {
  const [engine, modelKey, warmupArg, runsArg, budgetArg] = process.argv.slice(2);
  const warmup = Number(warmupArg ?? 2);
  const runs = Number(runsArg ?? 5);
  const budgetMs = 1000 * Number(budgetArg ?? 45);
  if (!ENGINES[engine] || !MODELS[modelKey]) throw new Error(`usage: worker.mjs <${Object.keys(ENGINES).join('|')}> <gpt2|bert> [warmup] [runs] [budget seconds]`);
  const checkpoint = CHECKPOINTS[modelKey];
  const spec = MODELS[modelKey];
  const ids = benchIds(checkpoint.config.vocab_size);
  const log = (msg) => process.stderr.write(`  [${engine} ${modelKey}] ${msg}\n`);

  const tf = engine.startsWith('tfjs') ? await import('@tensorflow/tfjs-core') : undefined;
  tf?.env().set('PROD', true); // no debug checks (and no "install tfjs-node" banner) while timing

  let t0 = performance.now();
  const backend = await ENGINES[engine]();
  const model = await spec.load(checkpoint.dir, backend);
  const loadMs = performance.now() - t0;

  const forward = () => model.forward({ inputIds: ids });
  // tfjs: the first call runs under tf.profile for its peak bytes (weights upload then, so it is the
  // peak; profiling a later call would cost tfjs-cpu another minute).
  let out;
  let peakBytes;
  t0 = performance.now();
  if (tf) {
    peakBytes = (await tf.profile(async () => void (out = await forward()))).peakBytes;
  } else {
    out = await forward();
  }
  const firstMs = performance.now() - t0;
  log(`load ${loadMs.toFixed(0)} ms, first forward ${firstMs.toFixed(0)} ms`);
  const warmups = firstMs > budgetMs / 4 ? 1 : warmup;
  for (let i = 1; i < warmups; i++) out = await forward();

  // What else ran on the machine during the timed runs: its busy CPU time minus this process's own.
  const busy0 = machineBusySeconds();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const times = [];
  for (let i = 0; i < runs && (i === 0 || performance.now() - wall0 < budgetMs); i++) {
    t0 = performance.now();
    out = await forward();
    times.push(performance.now() - t0);
    log(`run ${i + 1}/${runs}: ${times[i].toFixed(0)} ms`);
  }

  const wallSeconds = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const ownSeconds = (cpu.user + cpu.system) / 1e6;
  const busy1 = machineBusySeconds();
  const othersLoad = busy0 === undefined ? undefined : Math.max(0, (busy1 - busy0 - ownSeconds) / wallSeconds);
  const ownLoad = ownSeconds / wallSeconds;

  // tfjs: bytes held between forwards (the weights) and the peak during the first.
  const tfjs = tf && { heldMB: mb(tf.memory().numBytes), peakMB: mb(peakBytes) };

  // A sample of the output, so the parent can check the engines agree: the last position's row.
  const result = spec.output(out);
  const width = result.shape[result.shape.length - 1];
  const lastRow = Array.from(result.data.subarray(result.data.length - width));

  model.dispose();
  await backend.dispose();
  const usage = process.resourceUsage();
  process.stdout.write(
    `${JSON.stringify({
      engine,
      backendName: backend.name,
      model: modelKey,
      shape: result.shape,
      loadMs,
      firstMs,
      warmups,
      times,
      maxRssMB: usage.maxRSS / 1024, // maxRSS is in KiB
      ownLoad, // cores this process kept busy during the timed runs
      othersLoad, // cores everything else kept busy meanwhile
      cores: os.availableParallelism(),
      tfjs,
      lastRow,
    })}\n`,
  );
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\nERROR: ${error?.message ?? error}\n`);
    process.exit(1);
  });
}
