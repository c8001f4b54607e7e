/**
 * The training benchmark's two recipes and their batches, in one place for every side: bench/train.mjs
 * writes each batch to a JSON file once, and the attn.js workers, the PyTorch peer and the browser page
 * all train on those same ids with these same hyperparameters.
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Random, maskTokens } from '@attnjs/train';
import { CACHE } from './checkpoints.mjs';

/** BERT-base-uncased's special ids: [PAD], [UNK], [CLS], [SEP], [MASK]. */
const BERT_SPECIAL = { pad: 0, unk: 100, cls: 101, sep: 102, mask: 103 };

export const ROWS = {
  nanogpt: {
    label: 'nanoGPT CPU recipe (GPT-2 config: vocab 65, 4 layers, 4 heads, 128 dims, context 64)',
    checkpoint: 'nanogpt',
    modelClass: 'GPT2LMHeadModel',
    objective: 'causal-lm',
    batchSize: 12,
    sequenceLength: 64,
    // nanoGPT's train_shakespeare_char: AdamW lr 1e-3, betas (0.9, 0.99), weight decay 0.1, clip 1.0.
    recipe: { learningRate: 1e-3, betas: [0.9, 0.99], eps: 1e-8, weightDecay: 0.1, maxGradNorm: 1 },
  },
  'bert-base': {
    label: 'BERT-base masked-LM (vocab 30522, 768 hidden, 12 layers, 12 heads, 3072 intermediate)',
    checkpoint: 'bert-base-mlm',
    modelClass: 'BertForMaskedLM',
    objective: 'masked-lm',
    // 2 × 128: one step on tfjs-wasm then takes well under a minute here; BERT's own pretraining used 256 × 128.
    batchSize: 2,
    sequenceLength: 128,
    mlmProbability: 0.15,
    // Hugging Face Trainer's defaults for BERT pretraining scripts: AdamW lr 1e-4, weight decay 0.01, clip 1.0.
    recipe: { learningRate: 1e-4, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1 },
  },
};

export const tokensPerStep = (row) => row.batchSize * row.sequenceLength;

/** (i · 7919 + 13) mod n, the ids bench/worker.mjs uses, over the whole batch. */
const benchId = (i, n) => (i * 7919 + 13) % n;

/** The batch of a row, as model.forwardProgram takes it (labels included). */
function makeBatch(row) {
  const { batchSize, sequenceLength } = row;
  if (row.objective === 'causal-lm') {
    // GPT2LMHeadModel shifts labels inside (Hugging Face semantics): labels = input ids.
    const inputIds = Array.from({ length: batchSize }, (_, b) => Array.from({ length: sequenceLength }, (_, t) => benchId(b * sequenceLength + t, 65)));
    return { inputIds, labels: inputIds };
  }
  // [CLS] body [SEP], body ids above the specials; then Hugging Face's collator (15 %, 80/10/10), seeded.
  const vocab = 30522;
  const first = 1000;
  const rows = Array.from({ length: batchSize }, (_, b) => [
    BERT_SPECIAL.cls,
    ...Array.from({ length: sequenceLength - 2 }, (_, t) => first + benchId(b * sequenceLength + t, vocab - first)),
    BERT_SPECIAL.sep,
  ]);
  const masked = maskTokens(rows, new Random(2026), {
    maskTokenId: BERT_SPECIAL.mask,
    vocabSize: vocab,
    specialTokenIds: Object.values(BERT_SPECIAL),
    padTokenId: BERT_SPECIAL.pad,
    mlmProbability: row.mlmProbability,
  });
  return { inputIds: masked.inputIds, attentionMask: masked.attentionMask, labels: masked.labels };
}

export const batchFile = (rowKey) => `${CACHE}train-${rowKey}-batch.json`;

/** Writes the row's batch for the workers; returns it. */
export async function writeBatch(rowKey) {
  const batch = makeBatch(ROWS[rowKey]);
  await writeFile(batchFile(rowKey), `${JSON.stringify(batch)}\n`);
  return batch;
}

export const readBatch = (rowKey) => JSON.parse(readFileSync(batchFile(rowKey), 'utf8'));

/** How many labels a batch trains on (masked positions for MLM; all but the last per row for causal-LM). */
export function countTargets(row, batch) {
  if (row.objective === 'causal-lm') return row.batchSize * (row.sequenceLength - 1);
  return batch.labels.flat().filter((id) => id !== -100).length;
}
