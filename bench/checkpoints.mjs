/**
 * The benchmark checkpoints: GPT-2-124M and BERT-base shapes with seeded random weights (and, for the
 * training benchmark, the nanoGPT recipe's GPT-2 and a BERT-base BertForMaskedLM), written the way
 * `save_pretrained` writes them (Hugging Face key names, config.json + model.safetensors). The big ones
 * (~0.5 GB, ~0.44 GB each) live in bench/.cache (gitignored) and are made only when missing.
 *
 *   node bench/checkpoints.mjs [gpt2 bert nanogpt bert-base-mlm bert-base-seqcls]   # make whatever is missing, print the folders
 */
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { writeSafetensors } from '@attnjs/core';

export const CACHE = fileURLToPath(new URL('./.cache/', import.meta.url));
/** Bump when the generator changes, so stale caches are rebuilt. */
const GENERATOR = 'attnjs-bench-1';

/** Seeded N(0, std) samples: mulberry32 into Box–Muller, one stream per checkpoint (same bytes everywhere). */
function normalSampler(seed) {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 2 ** 32; // (0, 1): safe for log
  };
  return (length, std) => {
    const out = new Float32Array(length);
    for (let i = 0; i < length; i += 2) {
      const r = std * Math.sqrt(-2 * Math.log(uniform()));
      const theta = 2 * Math.PI * uniform();
      out[i] = r * Math.cos(theta);
      if (i + 1 < length) out[i + 1] = r * Math.sin(theta);
    }
    return out;
  };
}

/** Hugging Face's initialisation: matrices and embeddings N(0, 0.02), biases 0, LayerNorm weight 1. */
function initializer(seed) {
  const normal = normalSampler(seed);
  const tensor = (data, shape) => ({ dtype: 'float32', shape, data });
  return {
    normal: (shape) => tensor(normal(shape.reduce((a, b) => a * b, 1), 0.02), shape),
    zeros: (shape) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape),
    ones: (shape) => tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(1), shape),
  };
}

const GPT2_124M = {
  activation_function: 'gelu_new',
  architectures: ['GPT2LMHeadModel'],
  attn_pdrop: 0.1,
  bos_token_id: 50256,
  embd_pdrop: 0.1,
  eos_token_id: 50256,
  initializer_range: 0.02,
  layer_norm_epsilon: 1e-5,
  model_type: 'gpt2',
  n_ctx: 1024,
  n_embd: 768,
  n_head: 12,
  n_inner: null,
  n_layer: 12,
  n_positions: 1024,
  resid_pdrop: 0.1,
  tie_word_embeddings: true,
  torch_dtype: 'float32',
  vocab_size: 50257,
};

const BERT_BASE = {
  architectures: ['BertModel'],
  attention_probs_dropout_prob: 0.1,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0.1,
  hidden_size: 768,
  initializer_range: 0.02,
  intermediate_size: 3072,
  layer_norm_eps: 1e-12,
  max_position_embeddings: 512,
  model_type: 'bert',
  num_attention_heads: 12,
  num_hidden_layers: 12,
  pad_token_id: 0,
  position_embedding_type: 'absolute',
  torch_dtype: 'float32',
  type_vocab_size: 2,
  vocab_size: 30522,
};

/** GPT2LMHeadModel's keys; Conv1D weights are [in, out]; lm_head is tied to wte and not stored. */
function gpt2Weights(c, seed) {
  const init = initializer(seed);
  const d = c.n_embd;
  const w = new Map([
    ['transformer.wte.weight', init.normal([c.vocab_size, d])],
    ['transformer.wpe.weight', init.normal([c.n_positions, d])],
  ]);
  for (let i = 0; i < c.n_layer; i++) {
    const p = `transformer.h.${i}.`;
    w.set(`${p}ln_1.weight`, init.ones([d])).set(`${p}ln_1.bias`, init.zeros([d]));
    w.set(`${p}attn.c_attn.weight`, init.normal([d, 3 * d])).set(`${p}attn.c_attn.bias`, init.zeros([3 * d]));
    w.set(`${p}attn.c_proj.weight`, init.normal([d, d])).set(`${p}attn.c_proj.bias`, init.zeros([d]));
    w.set(`${p}ln_2.weight`, init.ones([d])).set(`${p}ln_2.bias`, init.zeros([d]));
    w.set(`${p}mlp.c_fc.weight`, init.normal([d, 4 * d])).set(`${p}mlp.c_fc.bias`, init.zeros([4 * d]));
    w.set(`${p}mlp.c_proj.weight`, init.normal([4 * d, d])).set(`${p}mlp.c_proj.bias`, init.zeros([d]));
  }
  w.set('transformer.ln_f.weight', init.ones([d])).set('transformer.ln_f.bias', init.zeros([d]));
  return w;
}

/**
 * BertModel's keys (no `bert.` prefix, as BertModel.save_pretrained writes them); nn.Linear is [out, in].
 * `prefix: 'bert.', pooler: false, mlmHead: true` gives BertForMaskedLM's keys instead (its decoder is
 * tied to the word embeddings and not stored); `prefix: 'bert.', classifier: true` gives
 * BertForSequenceClassification's (`classifier.*`, num_labels rows). The draws come in the same order either way.
 */
function bertWeights(c, seed, { prefix = '', pooler = true, mlmHead = false, classifier = false } = {}) {
  const init = initializer(seed);
  const h = c.hidden_size;
  const w = new Map();
  const linear = (name, out, inp) => w.set(`${prefix}${name}.weight`, init.normal([out, inp])).set(`${prefix}${name}.bias`, init.zeros([out]));
  const norm = (name) => w.set(`${prefix}${name}.weight`, init.ones([h])).set(`${prefix}${name}.bias`, init.zeros([h]));
  w.set(`${prefix}embeddings.word_embeddings.weight`, init.normal([c.vocab_size, h]));
  w.set(`${prefix}embeddings.position_embeddings.weight`, init.normal([c.max_position_embeddings, h]));
  w.set(`${prefix}embeddings.token_type_embeddings.weight`, init.normal([c.type_vocab_size, h]));
  norm('embeddings.LayerNorm');
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}.`;
    for (const part of ['query', 'key', 'value']) linear(`${p}attention.self.${part}`, h, h);
    linear(`${p}attention.output.dense`, h, h);
    norm(`${p}attention.output.LayerNorm`);
    linear(`${p}intermediate.dense`, c.intermediate_size, h);
    linear(`${p}output.dense`, h, c.intermediate_size);
    norm(`${p}output.LayerNorm`);
  }
  if (pooler) linear('pooler.dense', h, h);
  if (mlmHead) {
    w.set('cls.predictions.transform.dense.weight', init.normal([h, h])).set('cls.predictions.transform.dense.bias', init.zeros([h]));
    w.set('cls.predictions.transform.LayerNorm.weight', init.ones([h])).set('cls.predictions.transform.LayerNorm.bias', init.zeros([h]));
    w.set('cls.predictions.bias', init.zeros([c.vocab_size]));
  }
  if (classifier) {
    const labels = Object.keys(c.id2label).length;
    w.set('classifier.weight', init.normal([labels, h])).set('classifier.bias', init.zeros([labels]));
  }
  return w;
}

/**
 * The training benchmark's models (bench/train.mjs). Dropout 0 in both: nanoGPT's CPU recipe has none, and
 * with none the PyTorch peer and attn.js compute the same thing step for step.
 */
const NANOGPT = {
  ...GPT2_124M,
  attn_pdrop: 0,
  embd_pdrop: 0,
  resid_pdrop: 0,
  bos_token_id: 0,
  eos_token_id: 0,
  n_ctx: 64,
  n_embd: 128,
  n_head: 4,
  n_layer: 4,
  n_positions: 64,
  vocab_size: 65,
};
const BERT_BASE_MLM = { ...BERT_BASE, architectures: ['BertForMaskedLM'], attention_probs_dropout_prob: 0, hidden_dropout_prob: 0 };
/** The BERT-tasks benchmark's sentiment classifier (bench/bert-tasks.mjs): SST-2's two labels. */
const BERT_BASE_SEQCLS = {
  ...BERT_BASE,
  architectures: ['BertForSequenceClassification'],
  id2label: { 0: 'NEGATIVE', 1: 'POSITIVE' },
  label2id: { NEGATIVE: 0, POSITIVE: 1 },
};
/** The real bert-base-uncased tokenizer, from the repo's test data. */
const BERT_VOCAB = fileURLToPath(new URL('../testdata/bert-vocab/', import.meta.url));
const BERT_TOKENIZER_FILES = ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt'].map((f) => `${BERT_VOCAB}${f}`);

export const CHECKPOINTS = {
  gpt2: { label: 'GPT-2-124M shape', dir: `${CACHE}gpt2-124m/`, config: GPT2_124M, weights: gpt2Weights, seed: 124 },
  bert: { label: 'BERT-base shape', dir: `${CACHE}bert-base/`, config: BERT_BASE, weights: bertWeights, seed: 110 },
  nanogpt: { label: 'nanoGPT CPU recipe shape', dir: `${CACHE}nanogpt/`, config: NANOGPT, weights: gpt2Weights, seed: 65 },
  'bert-base-mlm': {
    label: 'BERT-base shape, masked-LM head',
    dir: `${CACHE}bert-base-mlm/`,
    config: BERT_BASE_MLM,
    weights: (c, seed) => bertWeights(c, seed, { prefix: 'bert.', pooler: false, mlmHead: true }),
    seed: 111,
  },
  'bert-base-seqcls': {
    label: 'BERT-base shape, sequence-classification head, bert-base-uncased tokenizer',
    dir: `${CACHE}bert-base-seqcls/`,
    config: BERT_BASE_SEQCLS,
    weights: (c, seed) => bertWeights(c, seed, { prefix: 'bert.', classifier: true }),
    seed: 112,
    files: BERT_TOKENIZER_FILES,
  },
};

async function isCurrent(dir) {
  if (!existsSync(`${dir}model.safetensors`) || !existsSync(`${dir}config.json`)) return false;
  const config = JSON.parse(await readFile(`${dir}config.json`, 'utf8'));
  return config._attnjs_generator === GENERATOR;
}

/** Writes a checkpoint unless an up-to-date one is there; returns whether it wrote one. */
export async function ensureCheckpoint(key) {
  const spec = CHECKPOINTS[key];
  if (await isCurrent(spec.dir)) return false;
  await mkdir(spec.dir, { recursive: true });
  const weights = spec.weights(spec.config, spec.seed);
  await writeSafetensors(`${spec.dir}model.safetensors`, weights, { format: 'pt' });
  for (const file of spec.files ?? []) await copyFile(file, `${spec.dir}${file.split('/').pop()}`);
  // config.json last: its presence (with this generator tag) marks the folder complete.
  const config = { ...spec.config, _attnjs_generator: GENERATOR, _attnjs_seed: spec.seed };
  await writeFile(`${spec.dir}config.json`, `${JSON.stringify(config, null, 2)}\n`);
  return true;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const key of process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(CHECKPOINTS)) {
    const t0 = performance.now();
    const wrote = await ensureCheckpoint(key);
    const what = wrote ? `generated in ${((performance.now() - t0) / 1000).toFixed(1)} s` : 'already there';
    console.log(`${CHECKPOINTS[key].label}: ${CHECKPOINTS[key].dir} (${what})`);
  }
}
