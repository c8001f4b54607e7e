/**
 * Makes the BERT checkpoints the transformers.js comparison runs on: the real bert-base-uncased vocabulary
 * (testdata/bert-vocab) under small random encoders, one per pipeline head (BertForMaskedLM,
 * BertForSequenceClassification, BertForTokenClassification, BertForQuestionAnswering), each written as a Hugging Face model folder
 * (config.json, model.safetensors, tokenizer.json, tokenizer_config.json) plus `onnx/model.onnx` from
 * `exportOnnx`, the layout transformers.js loads from local files.
 *
 * The weights are seeded and deliberately not degenerate: N(0, 0.3) matrices (not HF's 0.02) and random
 * biases, so that scores spread out, top-k candidates are far from ties and token labels vary along a
 * sentence (which is what exercises entity grouping).
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportOnnx } from '@attnjs/backend-ort';
import {
  BertForMaskedLM,
  BertForQuestionAnswering,
  BertForSequenceClassification,
  BertForTokenClassification,
  bertConfigFromJSON,
} from '@attnjs/bert';
import { type Backend, ConfigReader, initializeNewParameters, labelConfigFromJSON, serializeSafetensors } from '@attnjs/core';
import { fixtureDir } from './reference.js';

const ENCODER = {
  model_type: 'bert',
  vocab_size: 30522,
  hidden_size: 32,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 64,
  hidden_act: 'gelu',
  hidden_dropout_prob: 0,
  attention_probs_dropout_prob: 0,
  max_position_embeddings: 128,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
};
const NER_LABELS = ['O', 'B-PER', 'I-PER', 'B-ORG', 'I-ORG', 'B-LOC', 'I-LOC', 'B-MISC', 'I-MISC'];
const SENTIMENT_LABELS = ['negative', 'neutral', 'positive'];

const labels = (names: string[]) => ({
  id2label: Object.fromEntries(names.map((n, i) => [i, n])),
  label2id: Object.fromEntries(names.map((n, i) => [n, i])),
});

export const HEADS = {
  'fill-mask': { architecture: 'BertForMaskedLM', config: {} },
  'text-classification': { architecture: 'BertForSequenceClassification', config: labels(SENTIMENT_LABELS) },
  'token-classification': { architecture: 'BertForTokenClassification', config: labels(NER_LABELS) },
  'question-answering': { architecture: 'BertForQuestionAnswering', config: {} },
} as const;
export type HeadTask = keyof typeof HEADS;

const CLASSES = {
  'fill-mask': BertForMaskedLM,
  'text-classification': BertForSequenceClassification,
  'token-classification': BertForTokenClassification,
  'question-answering': BertForQuestionAnswering,
} as const;

/** Writes the folder for `task` under `root` and returns its path. `backend` must be an ONNX Runtime one. */
export async function makeBertVocabHead(task: HeadTask, root: string, backend: Backend, seed = 7): Promise<string> {
  const { architecture, config: extra } = HEADS[task];
  const json = { ...ENCODER, ...extra, architectures: [architecture] };
  const reader = new ConfigReader(json, `${task} recipe`);
  const config = { ...bertConfigFromJSON(reader), ...labelConfigFromJSON(reader) };
  const model = new CLASSES[task](config, { backend });
  const named = [...model.namedParameters()];
  initializeNewParameters(named, { std: 0.3, seed });
  // Random biases too (initializeNewParameters zeroes them), from the same kind of seeded stream.
  let state = seed * 7919;
  for (const [name, p] of named) {
    if (!name.endsWith('.bias')) continue;
    p.value.data.forEach((_, i, d) => {
      state = (state * 16807) % 2147483647;
      d[i] = (state / 2147483647 - 0.5) * 0.2;
    });
  }
  const dir = join(root, task);
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(json, null, 2));
  writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(new Map([...model.savedParameters()].map(([n, p]) => [n, p.value]))));
  for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'vocab.txt']) {
    copyFileSync(join(fixtureDir('bert-vocab'), file), join(dir, file));
  }
  await exportOnnx(model, join(dir, 'onnx', 'model.onnx'));
  model.dispose();
  return dir;
}
