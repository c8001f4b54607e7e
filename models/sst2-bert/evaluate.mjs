/**
 * Measures models/sst2-bert on SST-2's dev set (872 sentences, never used in training or to choose the
 * checkpoint): accuracy of the text-classification pipeline's label (BertForSequenceClassification's argmax)
 * against the gold label.
 *
 *   node models/sst2-bert/evaluate.mjs [--model models/sst2-bert] [--engine tfjs-wasm] [--json]
 */
import { readFile } from 'node:fs/promises';
import { pipeline } from '@attnjs/pipelines';
import { createEngine, readSst2, runEvaluation } from '../shared.mjs';

export async function evaluateSst2({ model: dir, engine, data }) {
  const rows = readSst2(await readFile(data, 'utf8'));
  const backend = await createEngine(engine);
  const classify = await pipeline('text-classification', dir, { backend, batchSize: 32 });
  try {
    const predicted = await classify(rows.map((r) => r.sentence));
    const label2id = classify.model.config.label2id;
    const correct = rows.filter((row, i) => label2id[predicted[i].label] === row.label).length;
    return { accuracy: correct / rows.length, correct, sentences: rows.length, engine };
  } finally {
    classify.dispose();
    await backend.dispose();
  }
}

await runEvaluation(
  import.meta.url,
  '../../data/sst2/dev.tsv',
  evaluateSst2,
  (r) => `SST-2 dev on ${r.engine}: ${r.correct}/${r.sentences} = ${(100 * r.accuracy).toFixed(2)} % accuracy`,
);
