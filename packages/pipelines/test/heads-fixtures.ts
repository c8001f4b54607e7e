/**
 * What the end-to-end tests of the heads fixtures (testdata/heads) share: the engines they run on and a
 * 1,000-token WordPiece tokenizer for the heads fixtures (their vocabulary is 0..999): BERT's ids 0..103
 * ([PAD], [UNK], [CLS], [SEP], [MASK] at their usual ids), the printable ASCII characters, `##` + a
 * letter or digit (so any Latin word still tokenizes, as sub-tokens), a few CJK characters, and then
 * bert-base-uncased's most frequent words. Taken from testdata/bert-vocab, so tokens are real ones.
 */
import { readFileSync } from 'node:fs';
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { Tokenizer } from '@attnjs/tokenizers';

/** tfjs-cpu and one ONNX Runtime engine. */
export const ENGINES = [
  { name: 'tfjs-cpu', create: () => createTfjsBackend({ device: 'cpu' }) },
  { name: 'ort-node', create: async () => createOrtBackend({ ort: await import('onnxruntime-node') }) },
] as const;

/** A checkpoint folder of testdata/heads. */
export function headsFixture(name: string): URL {
  return new URL(`../../../testdata/heads/${name}/`, import.meta.url);
}

const VOCAB_SIZE = 1000;
const CJK = ['東', '京', '中', '国', '人', '大'];
const SUBWORDS = ['##s', '##son', '##ing', '##ed', '##er', '##ly'];

export function tinyBertTokenizer(): Tokenizer {
  const full = readFileSync(new URL('../../../testdata/bert-vocab/vocab.txt', import.meta.url), 'utf8').split('\n');
  const chosen = new Set(full.slice(0, 104));
  for (const token of full.slice(104, 1997)) if (token.length === 1 && token.charCodeAt(0) < 128) chosen.add(token);
  for (const token of full) if (/^##[a-z0-9]$/.test(token)) chosen.add(token);
  for (const token of [...CJK, ...SUBWORDS]) chosen.add(token);
  for (const token of full.slice(1996)) {
    if (chosen.size >= VOCAB_SIZE) break;
    if (/^[a-z]+$/.test(token)) chosen.add(token);
  }
  return Tokenizer.fromWordPieceVocab([...chosen].join('\n'));
}

/**
 * GPT-2's byte-level BPE cut to the fixtures' 1,000 ids: GPT-2's ids are 256 bytes then one per merge
 * in merge order, so its first 999 tokens and first 743 merges form a consistent tokenizer; id 999 is
 * <|endoftext|> (the fixtures' bos/eos).
 */
export function tinyGpt2Tokenizer(): Tokenizer {
  const dir = new URL('../../../testdata/gpt2-hf-fake/', import.meta.url);
  const full = JSON.parse(readFileSync(new URL('vocab.json', dir), 'utf8')) as Record<string, number>;
  const vocab = Object.fromEntries(Object.entries(full).filter(([, id]) => id < VOCAB_SIZE - 1));
  vocab['<|endoftext|>'] = VOCAB_SIZE - 1;
  const merges = readFileSync(new URL('merges.txt', dir), 'utf8').split('\n').slice(0, 1 + VOCAB_SIZE - 1 - 256);
  return Tokenizer.fromBPEFiles(vocab, merges.join('\n'));
}
