/**
 * What the pipeline suites share: the engines (every pipeline gives its answers on each Node engine), the
 * fixtures, and tokenizers for the 1000-token fixture models (which ship without one).
 */
import { readFileSync } from 'node:fs';
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import type { Backend, EngineMemory } from '@attnjs/core';
import { Tokenizer } from '@attnjs/tokenizers';
import { expect } from 'vitest';

export const TESTDATA = new URL('../../../testdata/', import.meta.url);
export const fixture = (path: string): string => new URL(path, TESTDATA).pathname;
export const reference = (path: string): any => JSON.parse(readFileSync(new URL(`${path}/reference.json`, TESTDATA), 'utf8'));

export const ENGINES: readonly { name: string; create(): Promise<Backend> }[] = [
  { name: 'tfjs-cpu', create: () => createTfjsBackend({ device: 'cpu' }) },
  { name: 'tfjs-wasm', create: () => createTfjsBackend({ device: 'wasm' }) },
  { name: 'ort-web', create: () => createOrtBackend() },
  { name: 'ort-node', create: async () => createOrtBackend({ ort: await import('onnxruntime-node') }) },
];

/**
 * The one engine that runs the checks whose subject is host-side logic (input and option errors, loading
 * from a folder): every engine runs them the same way, so more engines add time, not coverage.
 */
export const HOST_SIDE_ENGINE = ENGINES[0]!.name;

/**
 * A WordPiece tokenizer for the bert-tiny-shaped fixtures (vocabulary 1000, bert-base-uncased ids for
 * [PAD] 0, [UNK] 100, [CLS] 101, [SEP] 102, [MASK] 103): bert-base-uncased's first 104 entries, then
 * 896 of its lowercase whole words, so that ids 104..999 each decode to one word that encodes back to it.
 */
export function bertTinyTokenizer(): Tokenizer {
  const lines = readFileSync(new URL('bert-vocab/vocab.txt', TESTDATA), 'utf8').split('\n');
  const words = lines.slice(1996).filter((w) => /^[a-z]{2,}$/.test(w)).slice(0, 896);
  return Tokenizer.fromWordPieceVocab([...lines.slice(0, 104), ...words].join('\n'));
}

/**
 * A word-level tokenizer over 1000 ids (WordPiece with whole words only, no special tokens added): id i
 * is the i-th lowercase word of bert-base-uncased's vocabulary, so any id sequence decodes to words that
 * encode back to it. For the GPT-2-shaped heads, whose reference ids are drawn from the whole 0..999.
 */
export function wordTokenizer(size = 1000): Tokenizer {
  const lines = readFileSync(new URL('bert-vocab/vocab.txt', TESTDATA), 'utf8').split('\n');
  const words = lines.slice(1996).filter((w) => /^[a-z]{2,}$/.test(w)).slice(0, size);
  return Tokenizer.fromJSON({
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: { type: 'WordPiece', prefix: '##', cleanup: false },
    model: { type: 'WordPiece', unk_token: words[0], continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: Object.fromEntries(words.map((w, i) => [w, i])) },
  });
}

/** GPT-2's vocab.json entries with ids below 1000 and the merges.txt lines between them (for the gpt2-tiny fixtures). */
export function gpt2TinyFiles(): { vocab: Record<string, number>; merges: string } {
  const full: Record<string, number> = JSON.parse(readFileSync(new URL('gpt2-hf-fake/vocab.json', TESTDATA), 'utf8'));
  const vocab = Object.fromEntries(Object.entries(full).filter(([, id]) => id < 1000));
  const merges = readFileSync(new URL('gpt2-hf-fake/merges.txt', TESTDATA), 'utf8').split('\n').filter((line) => {
    const [a, b] = line.split(' ');
    return line.length > 0 && !line.startsWith('#') && vocab[`${a}${b}`] !== undefined;
  });
  return { vocab, merges: merges.join('\n') };
}

/** A byte-level BPE for the gpt2-tiny fixtures, from `gpt2TinyFiles`. */
export function gpt2TinyTokenizer(): Tokenizer {
  const { vocab, merges } = gpt2TinyFiles();
  return Tokenizer.fromBPEFiles(vocab, merges);
}

/** The counts a leak check compares (tensors on tfjs, sessions on ORT, engine states on both). */
export function counts(backend: Backend): Partial<EngineMemory> {
  const { states, stateTensors, tensors, sessions } = backend.memory();
  return { states, stateTensors, tensors, sessions };
}

export function expectClose(got: number, want: number, tolerance: number, what: string): void {
  expect(Math.abs(got - want), `${what}: got ${got}, want ${want}`).toBeLessThanOrEqual(tolerance);
}

/** softmax in float64, written out here so the suites do not use the package's own. */
export function softmax64(logits: readonly number[]): number[] {
  const max = Math.max(...logits);
  const exps = logits.map((x) => Math.exp(x - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((x) => x / sum);
}
