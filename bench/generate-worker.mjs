/**
 * One generation measurement in its own process (its peak RSS is its own):
 *
 *   node bench/generate-worker.mjs <engine> speed    prefill ms (1×128), decode tokens/s at batch 1 and 8
 *                                                     from a 128-token prompt, cached vs uncached step at 256
 *   node bench/generate-worker.mjs <engine> memory   load → forward → forward with labels → generate 64 tokens
 *
 * Decoding is greedy, through the model's decoding session (the loop `generate` runs), so the numbers are the
 * engine's, not a sampler's. Prints one JSON line on stdout; progress on stderr.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostTensor } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { CHECKPOINTS } from './checkpoints.mjs';
import { DECODE_STEPS, LONG_CONTEXT, MEMORY_NEW_TOKENS, SEQUENCE_LENGTH, promptIds } from './generation-inputs.mjs';
import { ENGINES } from './worker.mjs';

const ones = (rows, n) => hostTensor(new Int32Array(rows * n).fill(1), [rows, n]);
const ids2d = (rows) => hostTensor(Int32Array.from(rows.flat()), [rows.length, rows[0].length]);

function argmaxRows(logits) {
  const [rows, vocab] = logits.shape;
  return Array.from({ length: rows }, (_, r) => {
    let best = 0;
    const row = logits.data.subarray(r * vocab, (r + 1) * vocab);
    for (let i = 1; i < vocab; i++) if (row[i] > row[best]) best = i;
    return [best];
  });
}

/** Prefill `prompt`, then `steps` greedy steps; returns [prefill ms, ms of the steps]. */
async function decode(model, prompt, steps, useCache = true) {
  const rows = prompt.length;
  const session = model.startSession(rows, { useCache });
  try {
    let n = prompt[0].length;
    let t0 = performance.now();
    let logits = await session.step(ids2d(prompt), ones(rows, n));
    const prefillMs = performance.now() - t0;
    t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      n += 1;
      logits = await session.step(ids2d(argmaxRows(logits)), ones(rows, n));
    }
    return [prefillMs, performance.now() - t0];
  } finally {
    session.dispose();
  }
}

async function speed(model, vocab, log) {
  const prompt1 = promptIds(1, SEQUENCE_LENGTH, vocab);
  await decode(model, prompt1, 2); // warm-up: compiles / uploads
  const prefills = [];
  for (let i = 0; i < 3; i++) prefills.push((await decode(model, prompt1, 0))[0]);
  log(`prefill ${prefills.map((x) => x.toFixed(0)).join(', ')} ms`);
  const [, ms1] = await decode(model, prompt1, DECODE_STEPS);
  log(`batch 1: ${DECODE_STEPS} steps in ${ms1.toFixed(0)} ms`);
  const prompt8 = promptIds(8, SEQUENCE_LENGTH, vocab);
  await decode(model, prompt8, 1);
  const [, ms8] = await decode(model, prompt8, DECODE_STEPS);
  log(`batch 8: ${DECODE_STEPS} steps in ${ms8.toFixed(0)} ms`);
  // At 256 tokens of context: a cached step against a step that recomputes all 256 positions.
  const long = promptIds(1, LONG_CONTEXT - 4, vocab);
  const [, cachedMs] = await decode(model, long, 8, true);
  const [, uncachedMs] = await decode(model, long, 2, false);
  log(`at ${LONG_CONTEXT}: cached ${(cachedMs / 8).toFixed(1)} ms/step, uncached ${(uncachedMs / 2).toFixed(1)} ms/step`);
  return {
    prefillMs: [...prefills].sort((a, b) => a - b)[1],
    decode1TokensPerS: DECODE_STEPS / (ms1 / 1000),
    decode8TokensPerS: (8 * DECODE_STEPS) / (ms8 / 1000),
    cachedStepMs: cachedMs / 8,
    uncachedStepMs: uncachedMs / 2,
  };
}

async function memory(model, vocab, log) {
  const [ids] = promptIds(1, SEQUENCE_LENGTH, vocab);
  await model.forward({ inputIds: [ids] });
  await model.forward({ inputIds: [ids], labels: [ids] });
  const [out] = await model.generate([ids], { maxNewTokens: MEMORY_NEW_TOKENS });
  log(`generated ${out.length - ids.length} tokens`);
  return { generated: out.length - ids.length };
}

async function main() {
  const [engine, task] = process.argv.slice(2);
  if (!ENGINES[engine] || !['speed', 'memory'].includes(task)) throw new Error(`usage: generate-worker.mjs <${Object.keys(ENGINES).join('|')}> <speed|memory>`);
  const log = (msg) => process.stderr.write(`  [${engine} generate ${task}] ${msg}\n`);
  if (engine.startsWith('tfjs')) (await import('@tensorflow/tfjs-core')).env().set('PROD', true);
  const checkpoint = CHECKPOINTS.gpt2;
  const backend = await ENGINES[engine]();
  const model = await GPT2LMHeadModel.fromPretrained(checkpoint.dir, { backend });
  const result = task === 'speed' ? await speed(model, checkpoint.config.vocab_size, log) : await memory(model, checkpoint.config.vocab_size, log);
  model.dispose();
  await backend.dispose();
  process.stdout.write(`${JSON.stringify({ engine, backendName: backend.name, task, ...result, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((error) => {
    process.stderr.write(`${error?.stack ?? error}\nERROR: ${error?.message ?? error}\n`);
    process.exit(1);
  });
}
