/**
 * What every side of the BERT-tasks benchmark (bench/bert-tasks.mjs) runs on: the same id batches for the
 * forward timings (bench/torch_bert_tasks.py computes the same formula) and SST-2's dev sentences for the
 * text-classification pipeline.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const SEQUENCE_LENGTH = 128;
export const BATCH_SIZES = [1, 32];
/**
 * Forwards per batch size: batch 1 gets a warm-up (the first call compiles the session) and `--runs` timed
 * runs, reported by their median; batch 32 (seconds per forward on 2 cores) gets two runs and no warm-up,
 * reported by the faster, since the first call at a new size also grows the engine's buffers.
 */
export const SCHEDULE = {
  1: { warmup: 1, summary: 'median' },
  32: { warmup: 0, runs: 2, summary: 'best' },
};
/** Sentences per pipeline call, on every side: the attn.js pipeline's default batchSize. */
export const PIPELINE_BATCH = 8;
/** Untimed pipeline warm-up: the first sentences, so sessions are compiled and caches warm before the timed pass. */
export const PIPELINE_WARMUP = 32;

export const SST2_DEV = fileURLToPath(new URL('../data/sst2/dev.tsv', import.meta.url));

/** Row b, position i: ((b·128 + i)·7919 + 13) mod vocab — distinct rows, no padding. */
export function batchIds(batch, vocabSize, length = SEQUENCE_LENGTH) {
  return Array.from({ length: batch }, (_, b) => Array.from({ length }, (_, i) => ((b * length + i) * 7919 + 13) % vocabSize));
}

/** SST-2 dev's 872 sentences, in file order (the labels are not needed: the weights are random). */
export function sst2Sentences() {
  return readFileSync(SST2_DEV, 'utf8')
    .split('\n')
    .slice(1)
    .filter((line) => line.trim())
    .map((line) => line.split('\t')[0].trim());
}

/** Runs `fn` `runs` times after `warmup` untimed calls; returns the times in ms. */
export async function timeRuns(fn, warmup, runs) {
  for (let i = 0; i < warmup; i++) await fn();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return times;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];

/** Times the forwards of one batch size as SCHEDULE says (`runs`: the --runs option). */
export const timeBatch = (batch, fn, runs) => timeRuns(fn, SCHEDULE[batch].warmup, SCHEDULE[batch].runs ?? runs);

/** The number a batch size's times are reported by (SCHEDULE's summary). */
export const summarize = (batch, times) => (SCHEDULE[batch].summary === 'best' ? Math.min(...times) : median(times));
