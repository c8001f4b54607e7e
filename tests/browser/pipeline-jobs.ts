/**
 * The pipelines the page runs on every browser engine: fill-mask and text-classification over the
 * bert-tiny-shaped fixtures, batched with padding, and fill-mask loaded by pipeline() from a folder URL;
 * their answers are computed in Node on tfjs-cpu (the Node pipeline suites hold that engine's answers to
 * float64 re-computations from the logits). The page must give the same tokens, texts and labels, and
 * scores within the model checks' tolerance.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { BertForMaskedLM, BertForSequenceClassification } from '@attnjs/bert';
import { pipeline } from '@attnjs/pipelines';
import { Tokenizer } from '@attnjs/tokenizers';
import { expect } from 'vitest';
import { fixtureDir, TOLERANCE } from '../reference.js';
import type { PipelineJob } from './page/protocol.js';

/**
 * bert-base-uncased's first 104 entries ([PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103), then 896
 * of its lowercase whole words: the 1000-token vocabulary of the bert-tiny-shaped fixtures, as the
 * pipeline suites build it (packages/pipelines/test/helpers.ts).
 */
function bertTinyVocab(): string {
  const lines = readFileSync(join(fixtureDir('bert-vocab'), 'vocab.txt'), 'utf8').split('\n');
  const words = lines.slice(1996).filter((w) => /^[a-z]{2,}$/.test(w)).slice(0, 896);
  return [...lines.slice(0, 104), ...words].join('\n');
}

const VOCAB = bertTinyVocab();
const tokenizer = Tokenizer.fromWordPieceVocab(VOCAB);
/** Ordinary ids are 104..999; each decodes to one word. */
const words = (ids: number[]) => tokenizer.decode(ids);

const SENTENCES = [
  words([200, 300, 450, 400, 777]),
  words([150, 250, 350, 450, 550, 650, 750, 850, 950, 105, 111, 222]),
  words([512, 640]),
  words([999, 130, 222, 333, 404, 505, 606]),
];

export const PIPELINE_JOBS: readonly PipelineJob[] = [
  {
    name: 'fill-mask: top-5 tokens and filled texts, one and two masks, rows of different lengths in one batch',
    task: 'fill-mask',
    modelClass: 'BertForMaskedLM',
    fixture: 'bert-tiny-sharp',
    vocab: VOCAB,
    inputs: [
      `${words([200, 300, 450])} [MASK] ${words([400, 777])}`,
      `${words([512, 640])} [MASK] ${words([900, 130, 222, 333])} [MASK] ${words([999])}`,
      `${words([150, 250, 350, 450, 550, 650, 750, 850, 950, 105])} [MASK] ${words([111, 222])}`,
    ],
    options: { topK: 5 },
  },
  {
    name: 'text-classification: every label with its softmax score, texts and a text pair in one batch',
    task: 'text-classification',
    modelClass: 'BertForSequenceClassification',
    fixture: 'heads/bert-seqcls',
    vocab: VOCAB,
    inputs: [...SENTENCES, { text: SENTENCES[2], textPair: SENTENCES[0] }],
    options: { topK: null },
  },
  {
    name: 'text-classification: multi-label sigmoid scores',
    task: 'text-classification',
    modelClass: 'BertForSequenceClassification',
    fixture: 'heads/bert-seqcls-multilabel',
    vocab: VOCAB,
    inputs: SENTENCES,
    options: { topK: null },
  },
  {
    name: "fill-mask from a folder URL: config.json, model.safetensors and tokenizer.json fetched by pipeline()",
    task: 'fill-mask',
    fixture: 'bert-hf-tiniest',
    inputs: ['Hello, my dog is [MASK].', 'The capital of France is [MASK], and [MASK] is in Italy.'],
    options: { topK: 3 },
  },
];

/** Each job's answer from the same pipeline in Node on tfjs-cpu. */
export async function pipelineReferences(): Promise<unknown[]> {
  const backend = await createTfjsBackend({ device: 'cpu' });
  const classes = { BertForMaskedLM, BertForSequenceClassification };
  try {
    const answers: unknown[] = [];
    for (const job of PIPELINE_JOBS) {
      const model = job.modelClass && (await classes[job.modelClass].fromPretrained(fixtureDir(job.fixture), { backend }));
      const run = model ? await pipeline(job.task as string, { model, tokenizer }) : await pipeline(job.task as string, fixtureDir(job.fixture), { backend });
      answers.push(await run(job.inputs, job.options));
      run.dispose();
      model?.dispose();
    }
    return answers;
  } finally {
    await backend.dispose();
  }
}

/** Same structure, strings and token ids; every number within the model checks' tolerance. Returns the largest |Δ|. */
export function expectSameAnswer(got: unknown, want: unknown, where: string): number {
  if (typeof want === 'number') {
    expect(typeof got, where).toBe('number');
    const delta = Math.abs((got as number) - want);
    expect(delta, `${where}: ${got} vs Node's ${want}`).toBeLessThanOrEqual(TOLERANCE.normal);
    return delta;
  }
  if (Array.isArray(want)) {
    expect(Array.isArray(got) && got.length, `${where}: length`).toBe(want.length);
    return Math.max(0, ...want.map((w, i) => expectSameAnswer((got as unknown[])[i], w, `${where}[${i}]`)));
  }
  if (want !== null && typeof want === 'object') {
    expect(Object.keys(got as object).sort(), `${where}: keys`).toEqual(Object.keys(want).sort());
    return Math.max(0, ...Object.entries(want).map(([key, value]) => expectSameAnswer((got as Record<string, unknown>)[key], value, `${where}.${key}`)));
  }
  expect(got, where).toEqual(want);
  return 0;
}
