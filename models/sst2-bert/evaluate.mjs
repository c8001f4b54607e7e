/**
 * Measures models/sst2-bert on SST-2's dev set (872 sentences, never used in training or to choose the
 * checkpoint): accuracy of BertForSequenceClassification's argmax label against the gold label.
 *
 *   node models/sst2-bert/evaluate.mjs [--model models/sst2-bert] [--engine tfjs-wasm] [--json]
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { BertForSequenceClassification } from '@attnjs/bert';
import { Tokenizer } from '@attnjs/tokenizers';
import { createEngine, readSst2 } from '../shared.mjs';

export async function evaluateSst2({ model: dir, engine, data }) {
  const rows = readSst2(await readFile(data, 'utf8'));
  const tokenizer = await Tokenizer.fromFile(`${dir}/tokenizer.json`);
  const backend = await createEngine(engine);
  const model = await BertForSequenceClassification.fromPretrained(dir, { backend });
  const maxLength = model.config.maxPositionEmbeddings;
  try {
    let correct = 0;
    for (let start = 0; start < rows.length; start += 32) {
      const batch = rows.slice(start, start + 32);
      const ids = batch.map((r) => tokenizer.encode(r.sentence).ids.slice(0, maxLength));
      const width = Math.max(...ids.map((r) => r.length));
      const inputIds = ids.map((r) => [...r, ...Array(width - r.length).fill(model.config.padTokenId ?? 0)]);
      const attentionMask = ids.map((r) => [...r.map(() => 1), ...Array(width - r.length).fill(0)]);
      const { logits } = await model.forward({ inputIds, attentionMask });
      batch.forEach((row, b) => {
        const predicted = logits.data[2 * b + 1] > logits.data[2 * b] ? 1 : 0;
        if (predicted === row.label) correct++;
      });
    }
    return { accuracy: correct / rows.length, correct, sentences: rows.length, engine };
  } finally {
    model.dispose();
    await backend.dispose();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values: args } = parseArgs({
    options: {
      model: { type: 'string', default: new URL('.', import.meta.url).pathname },
      engine: { type: 'string', default: 'tfjs-wasm' },
      data: { type: 'string', default: new URL('../../data/sst2/dev.tsv', import.meta.url).pathname },
      json: { type: 'boolean', default: false },
    },
  });
  const result = await evaluateSst2({ model: args.model.replace(/\/+$/, ''), engine: args.engine, data: args.data });
  if (args.json) console.log(JSON.stringify(result));
  else console.log(`SST-2 dev on ${result.engine}: ${result.correct}/${result.sentences} = ${(100 * result.accuracy).toFixed(2)} % accuracy`);
}
