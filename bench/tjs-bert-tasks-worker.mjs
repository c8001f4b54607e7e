/**
 * transformers.js as a BERT-tasks peer: transformers.js 4.3 on onnxruntime-node running the
 * BertForSequenceClassification graph attn.js exports, with the same tokenizer files, local files only.
 *
 *   node bench/tjs-bert-tasks-worker.mjs export             write bench/.cache/tjs/bert-base-seqcls/ once
 *   node bench/tjs-bert-tasks-worker.mjs forward <runs>     the model at batch 1 and 32 × 128 tokens
 *   node bench/tjs-bert-tasks-worker.mjs pipeline           its text-classification pipeline over SST-2 dev
 *
 * transformers.js's pipeline runs all the texts of one call as one padded batch, so it is called with
 * PIPELINE_BATCH sentences at a time, as attn.js's pipeline batches them. Prints one JSON line on stdout.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { BATCH_SIZES, PIPELINE_BATCH, PIPELINE_WARMUP, batchIds, sst2Sentences, timeBatch } from './bert-tasks-inputs.mjs';
import { CACHE, CHECKPOINTS } from './checkpoints.mjs';

const CHECKPOINT = CHECKPOINTS['bert-base-seqcls'];
const ROOT = `${CACHE}tjs/`;
const NAME = 'bert-base-seqcls';
const DIR = `${ROOT}${NAME}/`;
const log = (msg) => process.stderr.write(`  [transformers.js bert-tasks] ${msg}\n`);

async function ensureExport() {
  if (existsSync(`${DIR}onnx/model.onnx`)) return;
  const { createOrtBackend, exportOnnx } = await import('@attnjs/backend-ort');
  const { BertForSequenceClassification } = await import('@attnjs/bert');
  const backend = await createOrtBackend({ ort: await import('onnxruntime-node') });
  const model = await BertForSequenceClassification.fromPretrained(CHECKPOINT.dir, { backend });
  mkdirSync(`${DIR}onnx`, { recursive: true });
  // config.json and the tokenizer files, as the checkpoint has them; only the weights differ in form.
  for (const file of readdirSync(CHECKPOINT.dir)) if (file !== 'model.safetensors') copyFileSync(`${CHECKPOINT.dir}${file}`, `${DIR}${file}`);
  await exportOnnx(model, `${DIR}onnx/model.onnx`);
  model.dispose();
  await backend.dispose();
}

async function forwardTask(tjs, runs) {
  const { AutoModelForSequenceClassification, Tensor } = tjs;
  const model = await AutoModelForSequenceClassification.from_pretrained(NAME, { dtype: 'fp32', local_files_only: true });
  const int64 = (rows, fill) => new Tensor('int64', BigInt64Array.from(rows.flat().map((x) => BigInt(fill ?? x))), [rows.length, rows[0].length]);
  const result = {};
  let logits;
  for (const batch of BATCH_SIZES) {
    const ids = batchIds(batch, CHECKPOINT.config.vocab_size);
    const inputs = { input_ids: int64(ids), attention_mask: int64(ids, 1), token_type_ids: int64(ids, 0) };
    const times = await timeBatch(batch, async () => void ({ logits } = await model(inputs)), runs);
    log(`batch ${batch}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    result[`batch${batch}Ms`] = times;
  }
  result.lastRow = Array.from(logits.data.subarray(logits.data.length - logits.dims[1]));
  await model.dispose();
  return result;
}

async function pipelineTask(tjs) {
  const sentences = sst2Sentences();
  const classify = await tjs.pipeline('text-classification', NAME, { dtype: 'fp32', local_files_only: true });
  const run = async (texts) => {
    const out = [];
    for (let i = 0; i < texts.length; i += PIPELINE_BATCH) out.push(...(await classify(texts.slice(i, i + PIPELINE_BATCH))));
    return out;
  };
  await run(sentences.slice(0, PIPELINE_WARMUP));
  const t0 = performance.now();
  const results = await run(sentences);
  const seconds = (performance.now() - t0) / 1000;
  log(`pipeline: ${sentences.length} sentences in ${seconds.toFixed(1)} s`);
  await classify.dispose();
  const positive = results.map((r) => (r.label === 'POSITIVE' ? r.score : 1 - r.score));
  return { sentences: sentences.length, seconds, sentencesPerS: sentences.length / seconds, positive };
}

async function main() {
  const [task, runs = '3'] = process.argv.slice(2);
  if (!['forward', 'pipeline', 'export'].includes(task)) throw new Error('usage: tjs-bert-tasks-worker.mjs <export|forward|pipeline> [runs]');
  if (task === 'export') return void (await ensureExport());
  const tjs = await import('@huggingface/transformers');
  tjs.env.allowRemoteModels = false;
  tjs.env.localModelPath = ROOT;
  const result = task === 'forward' ? await forwardTask(tjs, Number(runs)) : await pipelineTask(tjs);
  const backendName = 'transformers.js + onnxruntime-node';
  process.stdout.write(`${JSON.stringify({ engine: 'transformers.js', backendName, task, ...result, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\nERROR: ${error?.message ?? error}\n`);
  process.exit(1);
});
