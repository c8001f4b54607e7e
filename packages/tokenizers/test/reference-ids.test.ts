import { mkdtempSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { bertTokenizer, cases, gpt2Tokenizer, readText, TESTDATA } from './fixtures.js';

// Reference ids and tokens: Hugging Face tokenizers 0.23.2 (Rust), cross-checked with js-tiktoken and
// transformers.js (testdata/README.md). Every loader must reproduce them exactly.

const gpt2FromVocabFiles = Tokenizer.fromBPEFiles(readText('gpt2-hf-fake/vocab.json'), readText('gpt2-hf-fake/merges.txt'));
const bertFromVocabTxt = Tokenizer.fromWordPieceVocab(readText('bert-vocab/vocab.txt'));

describe('GPT-2 byte-level BPE', () => {
  describe.each([
    ['tokenizer.json', gpt2Tokenizer()],
    ['vocab.json + merges.txt', gpt2FromVocabFiles],
  ])('from %s', (_, tokenizer) => {
    it.each(cases.map((c) => [c.id, c] as const))('%s: ids and tokens', (_, c) => {
      const encoding = tokenizer.encode(c.text);
      expect(encoding.ids).toEqual(c.gpt2_ids);
      expect(encoding.tokens).toEqual(c.gpt2_tokens);
      expect(tokenizer.encodeIds(c.text)).toEqual(c.gpt2_ids);
    });

    it.each(cases.map((c) => [c.id, c] as const))('%s: decode round-trips', (_, c) => {
      expect(tokenizer.decode(c.gpt2_ids)).toBe(c.gpt2_decoded);
      expect(tokenizer.decode(tokenizer.encode(c.text).ids)).toBe(c.text);
    });
  });
});

describe('BERT uncased WordPiece', () => {
  describe.each([
    ['tokenizer.json', bertTokenizer()],
    ['vocab.txt', bertFromVocabTxt],
  ])('from %s', (_, tokenizer) => {
    it.each(cases.map((c) => [c.id, c] as const))('%s: ids and tokens', (_, c) => {
      const encoding = tokenizer.encode(c.text);
      expect(encoding.ids).toEqual(c.bert_ids);
      expect(encoding.tokens).toEqual(c.bert_tokens);
      expect(tokenizer.encodeIds(c.text)).toEqual(c.bert_ids);
    });

    it.each(cases.map((c) => [c.id, c] as const))('%s: decode with special tokens skipped', (_, c) => {
      expect(tokenizer.decode(c.bert_ids, { skipSpecialTokens: true })).toBe(c.bert_decoded);
    });
  });
});

describe('fromDir / fromFile', () => {
  it('loads tokenizer.json from a model folder, with tokenizer_config.json defaults', async () => {
    const gpt2 = await Tokenizer.fromDir(`${TESTDATA}gpt2-hf-fake`);
    const bert = await Tokenizer.fromDir(`${TESTDATA}bert-vocab`);
    for (const c of cases) {
      expect(gpt2.encode(c.text).ids).toEqual(c.gpt2_ids);
      expect(bert.encode(c.text).ids).toEqual(c.bert_ids);
    }
    expect(bert.specialTokens.pad).toEqual({ token: '[PAD]', id: 0 });
    expect(gpt2.specialTokens.eos).toEqual({ token: '<|endoftext|>', id: 50256 });
  });

  it('falls back to vocab.json + merges.txt and to vocab.txt', async () => {
    const gptDir = mkdtempSync(join(tmpdir(), 'attn-gpt2-'));
    for (const name of ['vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json']) {
      copyFileSync(`${TESTDATA}gpt2-hf-fake/${name}`, join(gptDir, name));
    }
    const bertDir = mkdtempSync(join(tmpdir(), 'attn-bert-'));
    for (const name of ['vocab.txt', 'tokenizer_config.json', 'special_tokens_map.json']) {
      copyFileSync(`${TESTDATA}bert-vocab/${name}`, join(bertDir, name));
    }
    const gpt2 = await Tokenizer.fromDir(gptDir);
    const bert = await Tokenizer.fromDir(bertDir);
    for (const c of cases) {
      expect(gpt2.encode(c.text).ids).toEqual(c.gpt2_ids);
      expect(bert.encode(c.text).ids).toEqual(c.bert_ids);
      expect(bert.encode(c.text).tokens).toEqual(c.bert_tokens);
    }
  });

  it('fromFile reads one tokenizer.json', async () => {
    const bert = await Tokenizer.fromFile(`${TESTDATA}bert-vocab/tokenizer.json`);
    expect(bert.encode(cases[1].text).ids).toEqual(cases[1].bert_ids);
  });

  it('fromUrl fetches a tokenizer.json', async () => {
    const body = readText('bert-vocab/tokenizer.json');
    const requested: string[] = [];
    const fakeFetch = (async (url: string) => {
      requested.push(url);
      return new Response(body, { status: 200 });
    }) as unknown as typeof fetch;
    const bert = await Tokenizer.fromUrl('https://example.test/bert/tokenizer.json', { fetch: fakeFetch });
    expect(requested).toEqual(['https://example.test/bert/tokenizer.json']);
    expect(bert.encode(cases[2].text).ids).toEqual(cases[2].bert_ids);
  });
});

describe('vocabulary lookups', () => {
  it('maps tokens and ids both ways, added tokens included', () => {
    const gpt2 = gpt2Tokenizer();
    const bert = bertTokenizer();
    expect(gpt2.vocabSize).toBe(50257);
    expect(bert.vocabSize).toBe(30522);
    expect(gpt2.tokenToId('Ġworld')).toBe(995);
    expect(gpt2.idToToken(15496)).toBe('Hello');
    expect(gpt2.tokenToId('<|endoftext|>')).toBe(50256);
    expect(bert.tokenToId('[MASK]')).toBe(103);
    expect(bert.idToToken(102)).toBe('[SEP]');
    expect(bert.tokenToId('no-such-token')).toBeUndefined();
    expect(bert.specialTokens.cls).toEqual({ token: '[CLS]', id: 101 });
    expect(bert.specialTokens.unk).toEqual({ token: '[UNK]', id: 100 });
  });
});
