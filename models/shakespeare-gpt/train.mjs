/**
 * Trains models/shakespeare-gpt with attn.js alone: a byte-level BPE tokenizer (attn.js's BPE trainer) and a
 * small GPT-2 (attn.js's Trainer on tfjs-wasm) on the first 90 % of tinyshakespeare (nanoGPT's split).
 * The last 10 % is never trained on; `evaluate.mjs` measures nats per character there.
 *
 *   node models/shakespeare-gpt/train.mjs [--recipe default|nanogpt] [--steps N] [--stop-after K] [--out models/shakespeare-gpt] [--device wasm]
 *
 * Checkpoints go to <out>/.run/checkpoint-<step> every 250 steps (atomic); an interrupted run resumes from
 * the latest one and continues exactly as if it had never stopped. The model folder (config.json,
 * model.safetensors, tokenizer.json, generation_config.json) is written at the end.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { ConfigReader, initializeNewParameters } from '@attnjs/core';
import { GPT2LMHeadModel, gpt2ConfigFromJSON } from '@attnjs/gpt';
import { Tokenizer, trainBPE } from '@attnjs/tokenizers';
import { AdamW, Trainer, decayGroups, latestCheckpoint, resumeFromCheckpoint, saveCheckpointAtStep } from '@attnjs/train';
import { keepLatestCheckpoint, splitShakespeare, writeModelFolder } from '../shared.mjs';

const { values: args } = parseArgs({
  options: {
    steps: { type: 'string' },
    recipe: { type: 'string', default: 'default' },
    'stop-after': { type: 'string' },
    out: { type: 'string', default: new URL('.', import.meta.url).pathname },
    device: { type: 'string', default: 'wasm' },
    data: { type: 'string', default: new URL('../../data/tinyshakespeare.txt', import.meta.url).pathname },
  },
});

// nanoGPT's CPU recipe is 4 layers × 4 heads × 128 dims at context 64 on characters (~1.88 validation loss
// after 2,000 iterations); `--recipe nanogpt` runs it (a byte-level vocabulary without merges is character-
// level on this ASCII text). The shipped model keeps that body, reads 128 byte-level BPE tokens (~290
// characters) of context, and trains on ~10× more text.
const RECIPES = {
  default: {
    vocabSize: 1024,
    context: 128,
    batchSize: 16,
    layers: 4,
    heads: 4,
    dims: 128,
    learningRate: 2e-3,
    warmupSteps: 100,
    minLrRatio: 0.05,
    weightDecay: 0.1,
    maxGradNorm: 1.0,
    seed: 1337,
    steps: 2600,
  },
  nanogpt: {
    vocabSize: 257,
    context: 64,
    batchSize: 12,
    layers: 4,
    heads: 4,
    dims: 128,
    learningRate: 1e-3,
    warmupSteps: 100,
    minLrRatio: 0.1,
    weightDecay: 0.1,
    maxGradNorm: 1.0,
    seed: 1337,
    steps: 2000,
  },
};
const RECIPE = RECIPES[args.recipe];
if (!RECIPE) throw new Error(`--recipe must be one of ${Object.keys(RECIPES).join(', ')}`);
const maxSteps = Number(args.steps ?? RECIPE.steps);
const out = args.out.replace(/\/+$/, '');
const runDir = `${out}/.run`;
const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

const text = await readFile(args.data, 'utf8');
const { train, val } = splitShakespeare(text);
const tokenizerJSON = await trainBPE([train], { vocabSize: RECIPE.vocabSize });
const tokenizer = Tokenizer.fromJSON(tokenizerJSON);
const trainIds = tokenizer.encode(train).ids;
const valIds = tokenizer.encode(val).ids;
log(`train ${train.length} chars → ${trainIds.length} tokens; val ${val.length} chars → ${valIds.length} tokens`);

const eos = tokenizer.tokenToId('<|endoftext|>');
const hfConfig = {
  architectures: ['GPT2LMHeadModel'],
  model_type: 'gpt2',
  vocab_size: RECIPE.vocabSize,
  n_positions: RECIPE.context,
  n_embd: RECIPE.dims,
  n_layer: RECIPE.layers,
  n_head: RECIPE.heads,
  n_inner: 4 * RECIPE.dims,
  activation_function: 'gelu_new',
  layer_norm_epsilon: 1e-5,
  initializer_range: 0.02,
  resid_pdrop: 0,
  embd_pdrop: 0,
  attn_pdrop: 0,
  bos_token_id: eos,
  eos_token_id: eos,
  tie_word_embeddings: true,
};

const backend = await createTfjsBackend({ device: args.device });
const model = new GPT2LMHeadModel(gpt2ConfigFromJSON(new ConfigReader(hfConfig, 'recipe')), { backend });
// GPT-2's initialisation: N(0, 0.02), residual projections scaled by 1/√(2·layers).
initializeNewParameters(model.namedParameters(), { std: 0.02, seed: RECIPE.seed });
for (const [name, p] of model.namedParameters()) {
  if (/c_proj\.weight$/.test(name)) p.value.data.forEach((v, i, d) => (d[i] = v / Math.sqrt(2 * RECIPE.layers)));
}

const trainer = new Trainer({
  model,
  optimizer: new AdamW({ groups: decayGroups(model, RECIPE.weightDecay), betas: [0.9, 0.99] }),
  learningRate: RECIPE.learningRate,
  schedule: { type: 'cosine', warmupSteps: Math.min(RECIPE.warmupSteps, Math.floor(maxSteps / 10)), totalSteps: maxSteps, minLrRatio: RECIPE.minLrRatio },
  maxGradNorm: RECIPE.maxGradNorm,
  seed: RECIPE.seed,
  modelConfig: hfConfig,
});
const resumeFrom = await latestCheckpoint(runDir);
if (resumeFrom) {
  await resumeFromCheckpoint(trainer, resumeFrom);
  log(`resumed from ${resumeFrom} at step ${trainer.step}`);
}

/** nanoGPT's get_batch: random windows of the token stream, drawn from the trainer's seeded generator. */
function batch(_index, random) {
  const rows = [];
  for (let b = 0; b < RECIPE.batchSize; b++) {
    const start = random.int(trainIds.length - RECIPE.context);
    rows.push(trainIds.slice(start, start + RECIPE.context));
  }
  return { inputIds: rows, labels: rows };
}

/** Mean loss per token over fixed, evenly spaced validation windows (a quick estimate while training). */
async function quickValLoss() {
  const rows = [];
  const windows = 16;
  const stride = Math.floor((valIds.length - RECIPE.context) / windows);
  for (let w = 0; w < windows; w++) rows.push(valIds.slice(w * stride, w * stride + RECIPE.context));
  const bound = model.forwardProgram({ inputIds: rows, labels: rows });
  const result = await backend.run(bound.program, bound.inputs, { outputs: ['loss'] });
  return result.loss.data[0];
}

// `--stop-after K` checkpoints at step K and exits; a later run resumes there (with its own --steps, whose
// schedule then applies from step K + 1). models/shakespeare-gpt/README.md gives the commands of the shipped run.
const stopAfter = args['stop-after'] === undefined ? maxSteps : Number(args['stop-after']);
const started = performance.now();
let tokens = 0;
let lossSum = 0;
let lossCount = 0;
await trainer.train({
  maxSteps: Math.min(maxSteps, stopAfter),
  batch,
  onStep: async (record) => {
    tokens += RECIPE.batchSize * RECIPE.context;
    lossSum += record.loss;
    lossCount++;
    if (record.step % 50 === 0 || record.step === maxSteps) {
      const seconds = (performance.now() - started) / 1000;
      log(
        `step ${record.step}/${maxSteps} loss ${(lossSum / lossCount).toFixed(4)} lr ${record.learningRate.toExponential(2)} ` +
          `grad-norm ${record.gradNorm.toFixed(3)} ${(tokens / seconds).toFixed(0)} tokens/s`,
      );
      lossSum = 0;
      lossCount = 0;
    }
    if (record.step % 250 === 0 || record.step === maxSteps || record.step === stopAfter) {
      log(`step ${record.step} val loss per token ${(await quickValLoss()).toFixed(4)} (16 windows)`);
      await saveCheckpointAtStep(trainer, runDir);
      await keepLatestCheckpoint(runDir);
    }
  },
});

if (trainer.step < maxSteps) {
  log(`stopped after step ${trainer.step} (--stop-after); resume with the same --out`);
  process.exit(0);
}
await mkdir(out, { recursive: true });
await writeModelFolder(out, {
  config: hfConfig,
  weights: await trainer.readWeights(),
  tokenizer: tokenizerJSON,
  generationConfig: { bos_token_id: eos, eos_token_id: eos, do_sample: true, temperature: 0.8, top_k: 40, max_new_tokens: 200 },
});
await writeFile(`${out}/recipe.json`, `${JSON.stringify({ recipe: args.recipe, ...RECIPE, steps: maxSteps, device: args.device }, null, 2)}\n`);
log(`wrote ${out} (${((performance.now() - started) / 60000).toFixed(1)} min)`);
trainer.dispose();
model.dispose();
await backend.dispose();
