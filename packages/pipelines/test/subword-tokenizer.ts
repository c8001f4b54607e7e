/**
 * A 1,000-token WordPiece tokenizer for the bert-tiny-shaped heads fixtures (vocabulary 0..999) that,
 * unlike helpers.ts's whole-word one, splits words into sub-tokens: BERT's ids 0..103 ([PAD], [UNK],
 * [CLS], [SEP], [MASK] at their usual ids), the printable ASCII characters, `##` + a letter or digit (so
 * any Latin word tokenizes, as sub-tokens), a few CJK characters and suffixes, then bert-base-uncased's
 * most frequent words. Taken from testdata/bert-vocab, so tokens are real ones.
 */
import { readFileSync } from 'node:fs';
import { Tokenizer } from '@attnjs/tokenizers';

const VOCAB_SIZE = 1000;
const CJK = ['東', '京', '中', '国', '人', '大'];
const SUBWORDS = ['##s', '##son', '##ing', '##ed', '##er', '##ly'];

/** The vocabulary, one token a line (vocab.txt). */
export function tinyBertVocab(): string {
  const full = readFileSync(new URL('../../../testdata/bert-vocab/vocab.txt', import.meta.url), 'utf8').split('\n');
  const chosen = new Set(full.slice(0, 104));
  for (const token of full.slice(104, 1997)) if (token.length === 1 && token.charCodeAt(0) < 128) chosen.add(token);
  for (const token of full) if (/^##[a-z0-9]$/.test(token)) chosen.add(token);
  for (const token of [...CJK, ...SUBWORDS]) chosen.add(token);
  for (const token of full.slice(1996)) {
    if (chosen.size >= VOCAB_SIZE) break;
    if (/^[a-z]+$/.test(token)) chosen.add(token);
  }
  return [...chosen].join('\n');
}

export function tinyBertTokenizer(): Tokenizer {
  return Tokenizer.fromWordPieceVocab(tinyBertVocab());
}
