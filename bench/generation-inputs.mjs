/** What every generation benchmark process feeds, in one place (imports nothing, so peers' RSS stays their own). */
export const SEQUENCE_LENGTH = 128;
export const DECODE_STEPS = 32;
export const LONG_CONTEXT = 256;
export const MEMORY_NEW_TOKENS = 64;

/** Row r of the batch: (i · 7919 + 13 + r) mod vocab (row 0 is bench/worker.mjs's ids). */
export const promptIds = (rows, length, vocab) =>
  Array.from({ length: rows }, (_, r) => Array.from({ length }, (_, i) => (i * 7919 + 13 + r) % vocab));
