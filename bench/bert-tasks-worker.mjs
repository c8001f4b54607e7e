/**
 * One BERT-tasks measurement on an attn.js engine, in its own process (its peak RSS is its own):
 *
 *   node bench/bert-tasks-worker.mjs <engine> forward <runs>    BertForSequenceClassification.forward at
 *        batch 1 and 32 × 128 tokens, as bert-tasks-inputs.mjs's SCHEDULE says; peak RSS = load → forward
 *   node bench/bert-tasks-worker.mjs <engine> pipeline          pipeline('text-classification') over SST-2's
 *        dev sentences, PIPELINE_BATCH at a time, tokenization included, after an untimed warm-up
 *
 * On the BERT-base-shaped sequence-classification checkpoint (bench/checkpoints.mjs `bert-base-seqcls`).
 * Prints one JSON line on stdout; progress on stderr.
 */
import { BertForSequenceClassification } from '@attnjs/bert';
import { pipeline } from '@attnjs/pipelines';
import { BATCH_SIZES, PIPELINE_BATCH, PIPELINE_WARMUP, batchIds, sst2Sentences, timeBatch } from './bert-tasks-inputs.mjs';
import { CHECKPOINTS } from './checkpoints.mjs';
import { ENGINES } from './worker.mjs';

const CHECKPOINT = CHECKPOINTS['bert-base-seqcls'];

async function forwardTask(backend, runs, log) {
  const model = await BertForSequenceClassification.fromPretrained(CHECKPOINT.dir, { backend });
  const result = {};
  let logits;
  for (const batch of BATCH_SIZES) {
    const inputIds = batchIds(batch, CHECKPOINT.config.vocab_size);
    const inputs = { inputIds, attentionMask: inputIds.map((r) => r.map(() => 1)), tokenTypeIds: inputIds.map((r) => r.map(() => 0)) };
    const times = await timeBatch(batch, async () => void ({ logits } = await model.forward(inputs)), runs);
    log(`batch ${batch}: ${times.map((t) => t.toFixed(0)).join(', ')} ms`);
    result[`batch${batch}Ms`] = times;
  }
  result.lastRow = Array.from(logits.data.subarray(logits.data.length - logits.shape[1]));
  model.dispose();
  return result;
}

async function pipelineTask(backend, log) {
  const sentences = sst2Sentences();
  const classify = await pipeline('text-classification', CHECKPOINT.dir, { backend, batchSize: PIPELINE_BATCH });
  await classify(sentences.slice(0, PIPELINE_WARMUP));
  const t0 = performance.now();
  const results = await classify(sentences);
  const seconds = (performance.now() - t0) / 1000;
  log(`pipeline: ${sentences.length} sentences in ${seconds.toFixed(1)} s`);
  classify.dispose();
  const positive = results.map((r) => (r.label === 'POSITIVE' ? r.score : 1 - r.score));
  return { sentences: sentences.length, seconds, sentencesPerS: sentences.length / seconds, positive };
}

async function main() {
  const [engine, task, runs = '3'] = process.argv.slice(2);
  if (!ENGINES[engine] || !['forward', 'pipeline'].includes(task)) {
    throw new Error(`usage: bert-tasks-worker.mjs <${Object.keys(ENGINES).join('|')}> <forward|pipeline> [runs]`);
  }
  const log = (msg) => process.stderr.write(`  [${engine} bert-tasks] ${msg}\n`);
  if (engine.startsWith('tfjs')) (await import('@tensorflow/tfjs-core')).env().set('PROD', true);
  const backend = await ENGINES[engine]();
  const result = task === 'forward' ? await forwardTask(backend, Number(runs), log) : await pipelineTask(backend, log);
  const backendName = backend.name;
  await backend.dispose();
  process.stdout.write(`${JSON.stringify({ engine, backendName, task, ...result, maxRssMB: process.resourceUsage().maxRSS / 1024 })}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error?.stack ?? error}\nERROR: ${error?.message ?? error}\n`);
  process.exit(1);
});
