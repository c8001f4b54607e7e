import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Tokenizer } from '../src/index.js';

/** The repository's testdata folder (copied from the shared fixtures; tests never read outside the repo). */
export const TESTDATA = fileURLToPath(new URL('../../../testdata/', import.meta.url));

export interface TokenizerCase {
  id: string;
  text: string;
  gpt2_ids: number[];
  gpt2_tokens: string[];
  gpt2_decoded: string;
  bert_ids: number[];
  bert_tokens: string[];
  bert_decoded: string;
}

export const cases: TokenizerCase[] = JSON.parse(readFileSync(`${TESTDATA}tokenizer-cases.json`, 'utf8')).cases;

export function caseById(id: string): TokenizerCase {
  const found = cases.find((c) => c.id === id);
  if (!found) throw new Error(`no case ${id}`);
  return found;
}

export function readText(path: string): string {
  return readFileSync(`${TESTDATA}${path}`, 'utf8');
}

let gpt2: Tokenizer | undefined;
let bert: Tokenizer | undefined;

/** GPT-2 from gpt2-hf-fake/tokenizer.json (loaded once per test file). */
export function gpt2Tokenizer(): Tokenizer {
  gpt2 ??= Tokenizer.fromJSON(JSON.parse(readText('gpt2-hf-fake/tokenizer.json')));
  return gpt2;
}

/** bert-base-uncased from bert-vocab/tokenizer.json. */
export function bertTokenizer(): Tokenizer {
  bert ??= Tokenizer.fromJSON(JSON.parse(readText('bert-vocab/tokenizer.json')));
  return bert;
}

/** The reference BERT ids without the [CLS] … [SEP] around them. */
export function bertContentIds(c: TokenizerCase): number[] {
  return c.bert_ids.slice(1, -1);
}
