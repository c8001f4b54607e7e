/**
 * Trains models/sst2-bert with attn.js alone: a WordPiece vocabulary (attn.js's trainer) on SST-2's training
 * sentences, a small BERT pretrained on them with masked-LM (Hugging Face's collator: 15 %, 80/10/10, packed
 * blocks), then fine-tuned as BertForSequenceClassification on train.tsv's labels. The checkpoint is chosen
 * on a held-out slice of train.tsv; dev.tsv is never read here (`evaluate.mjs` measures it).
 *
 *   node models/sst2-bert/train.mjs [--out models/sst2-bert] [--device wasm] [--finetune-only]
 *
 * `--finetune-only` starts from the masked-LM model already in <out>/pretrained.
 *
 * The masked-LM model is kept in <out>/pretrained (fill-mask). Next-sentence prediction is left out: SST-2's lines are single sentences and phrases, not documents.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { ConfigReader, hostTensor, initializeNewParameters, labelConfigFromJSON, readSafetensors } from '@attnjs/core';
import { BertForMaskedLM, BertForSequenceClassification, bertConfigFromJSON } from '@attnjs/bert';
import { Tokenizer, trainWordPiece } from '@attnjs/tokenizers';
import { AdamW, Random, Trainer, decayGroups, maskTokens, packBlocks } from '@attnjs/train';
import { readSst2, writeModelFolder } from '../shared.mjs';

const { values: args } = parseArgs({
  options: {
    out: { type: 'string', default: new URL('.', import.meta.url).pathname },
    device: { type: 'string', default: 'wasm' },
    'finetune-only': { type: 'boolean', default: false },
    data: { type: 'string', default: new URL('../../data/sst2/', import.meta.url).pathname },
  },
});

const RECIPE = {
  vocabSize: 4096,
  layers: 4,
  heads: 4,
  hidden: 128,
  maxPositions: 128,
  heldOut: 600,
  pretrain: { steps: 500, blockSize: 64, batchSize: 32, learningRate: 1e-3, warmupSteps: 50, weightDecay: 0.01 },
  finetune: { steps: 3000, batchSize: 32, maxLength: 64, learningRate: 3e-4, warmupSteps: 100, weightDecay: 0.01, evalEvery: 250 },
  seed: 2024,
};
const out = args.out.replace(/\/+$/, '');
const log = (line) => console.log(`[${new Date().toISOString().slice(11, 19)}] ${line}`);

// SST-2's train.tsv holds whole sentences and every phrase of them, so a random slice of it is no test: its
// phrases' sentences are still trained on. The checkpoint is chosen instead on `heldOut` whole sentences (rows
// no other row contains, drawn with a fixed seed), with every row that is a piece of one of them removed from
// fine-tuning. Like dev, these are unseen full sentences.
const rows = readSst2(await readFile(`${args.data}/train.tsv`, 'utf8'));
const { fit, heldOut } = splitWholeSentences(rows, RECIPE.heldOut, new Random(RECIPE.seed));

const tokenizerJSON = await trainWordPiece(
  rows.map((r) => r.sentence),
  { vocabSize: RECIPE.vocabSize, clsToken: '[CLS]', sepToken: '[SEP]' },
);
const tokenizer = Tokenizer.fromJSON(tokenizerJSON);
const id = (token) => tokenizer.tokenToId(token);
const [pad, cls, sep, mask, unk] = ['[PAD]', '[CLS]', '[SEP]', '[MASK]', '[UNK]'].map(id);
const encode = (sentence) => tokenizer.encode(sentence).ids.slice(0, RECIPE.finetune.maxLength);
log(`${rows.length} train rows (${fit.length} fit, ${heldOut.length} held out), vocabulary ${RECIPE.vocabSize}`);

const hfConfig = {
  architectures: ['BertForSequenceClassification'],
  model_type: 'bert',
  vocab_size: RECIPE.vocabSize,
  hidden_size: RECIPE.hidden,
  num_hidden_layers: RECIPE.layers,
  num_attention_heads: RECIPE.heads,
  intermediate_size: 4 * RECIPE.hidden,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  max_position_embeddings: RECIPE.maxPositions,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: pad,
  id2label: { 0: 'negative', 1: 'positive' },
  label2id: { negative: 0, positive: 1 },
};

const backend = await createTfjsBackend({ device: args.device });
const started = performance.now();

// --- Masked-LM pretraining on every train sentence (labels unused), packed into 64-token blocks. ---
const pretrained = args['finetune-only'] ? await readPretrained() : await pretrain();

/** Masked-LM pretraining; the weights, also saved as their own model folder (fill-mask) beside the classifier. */
async function pretrain() {
  const mlm = new BertForMaskedLM(bertConfigFromJSON(new ConfigReader(hfConfig, 'recipe')), { backend });
  initializeNewParameters(mlm.namedParameters(), { std: 0.02, seed: RECIPE.seed });
  const P = RECIPE.pretrain;
  const blocks = packBlocks(rows.map((r) => encode(r.sentence)), P.blockSize);
  const pretrainer = new Trainer({
    model: mlm,
    optimizer: new AdamW({ groups: decayGroups(mlm, P.weightDecay) }),
    learningRate: P.learningRate,
    schedule: { type: 'linear', warmupSteps: P.warmupSteps, totalSteps: P.steps },
    maxGradNorm: 1,
    seed: RECIPE.seed,
  });
  const maskOptions = { maskTokenId: mask, vocabSize: RECIPE.vocabSize, specialTokenIds: [pad, cls, sep, unk], padTokenId: pad };
  let window = [];
  await pretrainer.train({
    maxSteps: P.steps,
    batch: (_i, random) => maskTokens(Array.from({ length: P.batchSize }, () => blocks[random.int(blocks.length)]), random, maskOptions),
    onStep: (r) => {
      window.push(r.loss);
      if (r.step % 25 === 0) {
        log(`pretrain step ${r.step}/${P.steps} mlm loss ${mean(window).toFixed(4)} lr ${r.learningRate.toExponential(2)}`);
        window = [];
      }
    },
  });
  const pretrained = await pretrainer.readWeights();
  await mkdir(`${out}/pretrained`, { recursive: true });
  await writeModelFolder(`${out}/pretrained`, { config: { ...hfConfig, architectures: ['BertForMaskedLM'] }, weights: pretrained, tokenizer: tokenizerJSON });
  pretrainer.dispose();
  mlm.dispose();
  return pretrained;
}

async function readPretrained() {
  const file = await readSafetensors(`${out}/pretrained/model.safetensors`);
  log(`fine-tuning from ${out}/pretrained (--finetune-only)`);
  return new Map([...file.tensors].map(([name, t]) => [name, t.tensor]));
}

// --- Fine-tuning as BertForSequenceClassification: the encoder from pretraining, a fresh pooler and classifier. ---
const F = RECIPE.finetune;
const reader = new ConfigReader(hfConfig, 'recipe');
const model = new BertForSequenceClassification({ ...bertConfigFromJSON(reader), ...labelConfigFromJSON(reader) }, { backend });
initializeNewParameters(model.namedParameters(), { std: 0.02, seed: RECIPE.seed + 1 });
const start = new Map([...model.namedParameters()].map(([name, p]) => [name, p.value]));
for (const [name, tensor] of pretrained) if (start.has(name) && !name.startsWith('bert.pooler.')) start.set(name, tensor);
model.loadWeights(start, 'the pretrained encoder');

const trainer = new Trainer({
  model,
  optimizer: new AdamW({ groups: decayGroups(model, F.weightDecay) }),
  learningRate: F.learningRate,
  schedule: { type: 'linear', warmupSteps: F.warmupSteps, totalSteps: F.steps },
  maxGradNorm: 1,
  seed: RECIPE.seed + 1,
  modelConfig: hfConfig,
});
const fitIds = fit.map((r) => encode(r.sentence));
const heldOutIds = heldOut.map((r) => encode(r.sentence));
// Hugging Face's group_by_length: batches of sentences of about the same length, so dynamic padding wastes
// little (random batches of SST-2 pad ~13-token phrases to ~50). Each step draws one group at random.
const groups = lengthGroups(fitIds, F.batchSize);

let best = { accuracy: -1, step: 0, weights: undefined };
// The mean of the weights at the evaluations of the second half (stochastic weight averaging), a candidate
// beside the best single checkpoint; the held-out sentences choose between them.
const averaged = { count: 0, sums: undefined, shapes: undefined };
let window = [];
await trainer.train({
  maxSteps: F.steps,
  batch: (_i, random) => {
    const picks = groups[random.int(groups.length)];
    return { ...padRows(picks.map((i) => fitIds[i])), labels: picks.map((i) => fit[i].label) };
  },
  onStep: async (r) => {
    window.push(r.loss);
    if (r.step % 50 === 0) {
      log(`finetune step ${r.step}/${F.steps} loss ${mean(window).toFixed(4)} lr ${r.learningRate.toExponential(2)}`);
      window = [];
    }
    if (r.step % F.evalEvery === 0 || r.step === F.steps) {
      const accuracy = await heldOutAccuracy();
      log(`finetune step ${r.step} held-out accuracy ${(100 * accuracy).toFixed(2)} %`);
      const weights = await trainer.readWeights();
      if (accuracy > best.accuracy) best = { accuracy, step: r.step, weights };
      if (r.step > F.steps / 2) accumulate(averaged, weights);
    }
  },
});

const averagedWeights = averageOf(averaged);
model.loadWeights(averagedWeights, 'the averaged weights');
const averagedAccuracy = await heldOutAccuracy();
log(`weights averaged over the ${averaged.count} evaluations after step ${F.steps / 2}: held-out accuracy ${(100 * averagedAccuracy).toFixed(2)} %`);
if (averagedAccuracy > best.accuracy) best = { accuracy: averagedAccuracy, step: `mean of ${averaged.count}`, weights: averagedWeights };
await mkdir(out, { recursive: true });
await writeModelFolder(out, { config: hfConfig, weights: best.weights, tokenizer: tokenizerJSON });
await writeFile(
  `${out}/recipe.json`,
  `${JSON.stringify({ ...RECIPE, device: args.device, chosenStep: best.step, heldOutAccuracy: best.accuracy }, null, 2)}\n`,
);
log(`chose step ${best.step} (held-out accuracy ${(100 * best.accuracy).toFixed(2)} %); wrote ${out} in ${((performance.now() - started) / 60000).toFixed(1)} min`);
trainer.dispose();
model.dispose();
await backend.dispose();

async function heldOutAccuracy() {
  let correct = 0;
  for (const group of lengthGroups(heldOutIds, 64)) {
    const { logits } = await model.forward(padRows(group.map((i) => heldOutIds[i])));
    group.forEach((i, b) => {
      const [neg, pos] = [logits.data[2 * b], logits.data[2 * b + 1]];
      if ((pos > neg ? 1 : 0) === heldOut[i].label) correct++;
    });
  }
  return correct / heldOutIds.length;
}

/** `size` whole sentences for choosing checkpoints, and the rows left to fine-tune on (none a piece of them). */
function splitWholeSentences(all, size, random) {
  const heldOut = [];
  for (const i of random.permutation(all.length)) {
    const s = all[i].sentence;
    if (s.split(' ').length < 8 || all.some((other) => other.sentence !== s && other.sentence.includes(s))) continue;
    heldOut.push(all[i]);
    if (heldOut.length === size) break;
  }
  const held = heldOut.map((r) => r.sentence);
  const fit = all.filter((r) => !held.some((sentence) => sentence.includes(r.sentence)));
  return { fit, heldOut };
}

function accumulate(average, weights) {
  average.sums ??= new Map([...weights].map(([name, t]) => [name, new Float64Array(t.data.length)]));
  average.shapes ??= new Map([...weights].map(([name, t]) => [name, t.shape]));
  for (const [name, t] of weights) average.sums.get(name).forEach((v, i, sum) => (sum[i] = v + t.data[i]));
  average.count++;
}

function averageOf(average) {
  const out = new Map();
  for (const [name, sum] of average.sums) out.set(name, hostTensor(Float32Array.from(sum, (v) => v / average.count), average.shapes.get(name)));
  return out;
}

/** Indices of `rows` sorted by length (stable: ties keep their shuffled order), cut into groups of `size`. */
function lengthGroups(rows, size) {
  const order = rows.map((_, i) => i).sort((a, b) => rows[a].length - rows[b].length || a - b);
  const out = [];
  for (let start = 0; start < order.length; start += size) out.push(order.slice(start, start + size));
  return out;
}

/** Dynamic padding: rows padded with [PAD] to the longest, and the attention mask. */
function padRows(batch) {
  const length = Math.max(...batch.map((r) => r.length));
  return {
    inputIds: batch.map((r) => [...r, ...Array(length - r.length).fill(pad)]),
    attentionMask: batch.map((r) => [...r.map(() => 1), ...Array(length - r.length).fill(0)]),
  };
}

function mean(values) {
  return values.reduce((a, b) => a + b, 0) / values.length;
}
