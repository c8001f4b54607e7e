import { describe, expect, it } from 'vitest';
import { BPE, parseMerges, Tokenizer } from '../src/index.js';
import { bertContentIds, bertTokenizer, caseById, cases, gpt2Tokenizer, readText } from './fixtures.js';
import { hfIds, hfTokenizer } from './hf-reference.js';

// Expected ids come from the reference cases: bad input must behave like the clean text HF would see.

describe('lone UTF-16 surrogates', () => {
  // HF tokenizers work on UTF-8, which cannot hold a lone surrogate; a JS string reaches UTF-8 through
  // TextEncoder, which writes U+FFFD. Encoding therefore treats a lone surrogate as U+FFFD.
  it('GPT-2 encodes a lone surrogate like U+FFFD, offsets still index the original string', () => {
    const gpt2 = gpt2Tokenizer();
    const text = 'Hello \ud83e world';
    const encoding = gpt2.encode(text);
    expect(encoding.ids).toEqual(gpt2.encode('Hello \ufffd world').ids);
    expect(encoding.offsets.at(-1)).toEqual([7, 13]);
    expect(gpt2.decode(encoding.ids)).toBe('Hello \ufffd world');
    expect(gpt2.encode('\udc00').ids).toEqual(gpt2.encode('\ufffd').ids);
  });

  it('BERT drops it, as its clean_text drops U+FFFD', () => {
    const c = caseById('pub-000');
    expect(bertTokenizer().encode('Hello\ud800 world').ids).toEqual(c.bert_ids);
  });
});

describe('control characters', () => {
  it('BERT removes NUL and control characters and turns tabs and newlines into spaces', () => {
    const c = caseById('pub-000'); // Hello world
    expect(bertTokenizer().encode('Hel\u0000lo\u0007\twor\u200bld\r\n').ids).toEqual(c.bert_ids);
  });

  it('GPT-2 keeps them as bytes and round-trips', () => {
    const gpt2 = gpt2Tokenizer();
    const text = 'a\u0000b\u0007\u001bc\u007f';
    const encoding = gpt2.encode(text);
    expect(encoding.ids.length).toBeGreaterThan(0);
    expect(gpt2.decode(encoding.ids)).toBe(text);
  });
});

describe('empty and whitespace-only input', () => {
  it('empty string', () => {
    const c = caseById('pub-034');
    expect(gpt2Tokenizer().encode('').ids).toEqual(c.gpt2_ids);
    expect(bertTokenizer().encode('').ids).toEqual(c.bert_ids);
    expect(bertTokenizer().encode('', { pair: '' }).ids).toEqual([101, 102, 102]);
    expect(gpt2Tokenizer().decode([])).toBe('');
  });

  it('whitespace only', () => {
    const c = caseById('pub-035'); // ' '
    expect(gpt2Tokenizer().encode(' ').ids).toEqual(c.gpt2_ids);
    expect(bertTokenizer().encode(' \t\n\u3000 ').ids).toEqual(c.bert_ids);
    const gpt2 = gpt2Tokenizer();
    expect(gpt2.decode(gpt2.encode(' \n\n\t  ').ids)).toBe(' \n\n\t  ');
  });
});

describe('very long words', () => {
  it('GPT-2 BPE of 100,000-character words gives Hugging Face\'s ids (heap merge, O(n log n))', async () => {
    const gpt2 = gpt2Tokenizer();
    const hf = hfTokenizer(readText('gpt2-hf-fake/tokenizer.json'));
    for (const word of ['antidisestablishmentarianism'.repeat(3600), 'a'.repeat(100_000)]) {
      // 100,800 and 100,000 letters: each one pre-tokenized word.
      const ids = gpt2.encodeIds(word);
      expect(ids).toEqual(await hfIds(hf, word));
      expect(gpt2.decode(ids)).toBe(word);
    }
  });

  it('the heap merge (long words) agrees with the reference ids when forced on every word', () => {
    const base = gpt2Tokenizer();
    const json = JSON.parse(readText('gpt2-hf-fake/tokenizer.json'));
    const heapOnly = new Tokenizer({
      model: new BPE(new Map(Object.entries(json.model.vocab as Record<string, number>)), parseMerges(json.model.merges, 'model.merges'), {
        mergeHeapThreshold: 1,
      }),
      preTokenizer: base.preTokenizer,
      postProcessor: base.postProcessor,
      decoder: base.decoder,
      addedTokens: base.addedTokens,
    });
    for (const c of cases) expect(heapOnly.encode(c.text).ids, c.id).toEqual(c.gpt2_ids);
  });

  it('WordPiece gives [UNK] past max_input_chars_per_word (100)', () => {
    const bert = bertTokenizer();
    expect(bert.encode('a'.repeat(100)).ids).not.toContain(100);
    expect(bert.encode('a'.repeat(101)).ids).toEqual([101, 100, 102]);
    expect(bert.encode('x'.repeat(100_000)).ids).toEqual([101, 100, 102]);
    const encoding = bert.encode(`ok ${'z'.repeat(200)} ok`);
    expect(encoding.tokens).toEqual(['[CLS]', 'ok', '[UNK]', 'ok', '[SEP]']);
    expect(encoding.offsets[2]).toEqual([3, 203]);
  });

  it('a word with a character missing from the vocabulary is one [UNK]', () => {
    expect(bertTokenizer().encode('hello\u{1F9FF}world').tokens).toEqual(['[CLS]', '[UNK]', '[SEP]']);
  });
});

describe('very long inputs', () => {
  const text = readText('data/tinyshakespeare.txt'); // 1.1 MB

  it('1 MB of text gives Hugging Face\'s ids, and round-trips (GPT-2)', async () => {
    const gpt2 = gpt2Tokenizer();
    const ids = gpt2.encodeIds(text);
    expect(ids).toEqual(await hfIds(hfTokenizer(readText('gpt2-hf-fake/tokenizer.json')), text));
    expect(gpt2.encode(text).ids).toEqual(ids);
    expect(gpt2.decode(ids)).toBe(text);
  });

  it('1 MB of text gives Hugging Face\'s ids (BERT)', async () => {
    const expected = await hfIds(hfTokenizer(readText('bert-vocab/tokenizer.json')), text); // ~5 s: HF computes offsets too
    expect(bertTokenizer().encodeIds(text, { addSpecialTokens: false })).toEqual(expected);
    expect(bertTokenizer().encode(text).ids).toEqual([101, ...expected, 102]);
  });

  it('a reference sentence repeated 20,000 times gives its reference ids 20,000 times', () => {
    const c = caseById('pub-001');
    const bert = bertTokenizer();
    const ids = bert.encodeIds(`${c.text} `.repeat(20_000), { addSpecialTokens: false });
    expect(ids).toEqual(Array.from({ length: 20_000 }, () => bertContentIds(c)).flat());
  });
});
