import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  Tokenizer,
  TokenizerConfigError,
  TokenizerError,
  TokenizerLoadError,
  TokenizerOptionError,
  UnsupportedComponentError,
} from '../src/index.js';
import { bertTokenizer, readText, TESTDATA } from './fixtures.js';

const gpt2Json = JSON.parse(readText('gpt2-hf-fake/tokenizer.json'));
const bertJson = JSON.parse(readText('bert-vocab/tokenizer.json'));

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('unsupported components are named, never ignored', () => {
  it.each([
    ['model', { ...bertJson, model: { type: 'Unigram', vocab: [] } }, 'Unigram', 'model'],
    ['pre_tokenizer', { ...gpt2Json, pre_tokenizer: { type: 'Metaspace', replacement: '▁' } }, 'Metaspace', 'pre_tokenizer'],
    ['normalizer', { ...bertJson, normalizer: { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'Precompiled' }] } }, 'Precompiled', 'normalizer.normalizers[1]'],
    ['decoder', { ...bertJson, decoder: { type: 'CTC' } }, 'CTC', 'decoder'],
    ['post_processor', { ...bertJson, post_processor: { type: 'Mystery' } }, 'Mystery', 'post_processor'],
  ])('%s', (kind, json, type, field) => {
    const error = thrown(() => Tokenizer.fromJSON(json)) as UnsupportedComponentError;
    expect(error).toBeInstanceOf(UnsupportedComponentError);
    expect(error).toBeInstanceOf(TokenizerError);
    expect(error.kind).toBe(kind);
    expect(error.componentType).toBe(type);
    expect(error.field).toBe(field);
    expect(error.message).toContain(type);
  });

  it('BPE dropout is refused rather than silently ignored (null and 0 are fine)', () => {
    const error = thrown(() => Tokenizer.fromJSON({ ...gpt2Json, model: { ...gpt2Json.model, dropout: 0.1 } })) as UnsupportedComponentError;
    expect(error).toBeInstanceOf(UnsupportedComponentError);
    expect(error.componentType).toBe('BPE.dropout');
    expect(error.field).toBe('model.dropout');
    expect(() => Tokenizer.fromJSON({ ...gpt2Json, model: { ...gpt2Json.model, dropout: 0 } })).not.toThrow();
  });

  it('ByteLevel in the middle of a pre-tokenizer Sequence', () => {
    const json = { ...gpt2Json, pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'ByteLevel', add_prefix_space: false }, { type: 'Digits' }] } };
    expect(thrown(() => Tokenizer.fromJSON(json))).toBeInstanceOf(UnsupportedComponentError);
  });
});

describe('malformed tokenizer.json fields are named by path', () => {
  it.each([
    ['model.vocab', { ...bertJson, model: { ...bertJson.model, vocab: ['[PAD]', '[UNK]'] } }],
    ['model.vocab["hello"]', { ...bertJson, model: { ...bertJson.model, vocab: { '[UNK]': 0, hello: 'one' } } }],
    ['model.merges[0]', { ...gpt2Json, model: { ...gpt2Json.model, merges: ['Ġt'] } }],
    ['model.merges[1]', { ...gpt2Json, model: { ...gpt2Json.model, merges: ['Ġ t', 'zzq qzz'] } }],
    ['model.unk_token', { ...bertJson, model: { ...bertJson.model, unk_token: '<nope>' } }],
    ['model', { ...bertJson, model: null }],
    ['normalizer.normalizers[0].type', { ...bertJson, normalizer: { type: 'Sequence', normalizers: [{ kind: 'NFC' }] } }],
    ['added_tokens[2].id', { ...bertJson, added_tokens: bertJson.added_tokens.map((t: object, i: number) => (i === 2 ? { ...t, id: -4 } : t)) }],
    ['post_processor.single[1].Sequence.id', { ...bertJson, post_processor: { ...bertJson.post_processor, single: [bertJson.post_processor.single[0], { Sequence: { id: 'C', type_id: 0 } }] } }],
    ['pre_tokenizer.behavior', { ...bertJson, pre_tokenizer: { type: 'Split', pattern: { String: ' ' }, behavior: 'Sideways' } }],
    ['truncation.max_length', { ...bertJson, truncation: { strategy: 'LongestFirst', max_length: 'long' } }],
  ])('%s', (field, json) => {
    const error = thrown(() => Tokenizer.fromJSON(json)) as TokenizerConfigError;
    expect(error).toBeInstanceOf(TokenizerConfigError);
    expect(error.field).toBe(field);
    expect(error.message.startsWith(field)).toBe(true);
  });

  it('text that is not JSON', () => {
    const error = thrown(() => Tokenizer.fromJSON('{"model": ')) as TokenizerConfigError;
    expect(error).toBeInstanceOf(TokenizerConfigError);
    expect(error.field).toBe('tokenizer.json');
  });

  it('a malformed merges.txt line', () => {
    const error = thrown(() => Tokenizer.fromBPEFiles(readText('gpt2-hf-fake/vocab.json'), '#version: 0.2\nĠ t\nĠa\n')) as TokenizerConfigError;
    expect(error).toBeInstanceOf(TokenizerConfigError);
    expect(error.field).toBe('merges.txt line 3');
  });
});

describe('invalid options', () => {
  it.each([
    ['truncation', { truncation: 'most' as never }],
    ['maxLength', { truncation: true, maxLength: -1 }],
    ['maxLength', { truncation: true }],
    ['maxLength', { padding: 'max_length' as const }],
    ['padSide', { padding: true, padSide: 'top' as never }],
    ['padding', { padding: 'all' as never }],
    ['stride', { truncation: true, maxLength: 4, stride: 2 }],
    ['maxLength', { pair: 'b', truncation: true, maxLength: 2 }],
  ])('%s', (option, options) => {
    const error = thrown(() => bertTokenizer().encode('a b c d e f g', options)) as TokenizerOptionError;
    expect(error).toBeInstanceOf(TokenizerOptionError);
    expect(error.option).toBe(option);
  });
});

describe('loading failures', () => {
  it('missing file', async () => {
    await expect(Tokenizer.fromFile(`${TESTDATA}does-not-exist.json`)).rejects.toBeInstanceOf(TokenizerLoadError);
  });

  it('a folder without tokenizer files', async () => {
    await expect(Tokenizer.fromDir(mkdtempSync(join(tmpdir(), 'attn-empty-')))).rejects.toBeInstanceOf(TokenizerLoadError);
  });

  it('an HTTP error', async () => {
    const notFound = (async () => new Response('nope', { status: 404, statusText: 'Not Found' })) as unknown as typeof fetch;
    const error = await Tokenizer.fromUrl('https://example.test/missing/tokenizer.json', { fetch: notFound }).catch((e) => e);
    expect(error).toBeInstanceOf(TokenizerLoadError);
    expect(error.message).toContain('404');
  });
});
