import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { bertTokenizer, caseById, cases, gpt2Tokenizer, TESTDATA } from './fixtures.js';

describe('decode', () => {
  it('keeps special tokens unless asked to skip them', () => {
    const bert = bertTokenizer();
    const c = caseById('pub-000');
    expect(bert.decode(c.bert_ids)).toBe('[CLS] hello world [SEP]');
    expect(bert.decode(c.bert_ids, { skipSpecialTokens: true })).toBe(c.bert_decoded);
    const gpt2 = gpt2Tokenizer();
    expect(gpt2.decode([...c.gpt2_ids, 50256])).toBe('Hello world<|endoftext|>');
    expect(gpt2.decode([...c.gpt2_ids, 50256], { skipSpecialTokens: true })).toBe('Hello world');
  });

  it("cleanUpTokenizationSpaces applies transformers' rules", () => {
    const gpt2 = gpt2Tokenizer();
    const ids = gpt2.encode("Hello , world ! Is it ? I 'm sure . They 're here , aren 't they ' s").ids;
    expect(gpt2.decode(ids, { cleanUpTokenizationSpaces: true })).toBe("Hello, world! Is it? I'm sure. They're here, aren 't they's");
    expect(gpt2.decode(ids, { cleanUpTokenizationSpaces: false })).toBe("Hello , world ! Is it ? I 'm sure . They 're here , aren 't they ' s");
  });

  it('the clean-up default comes from tokenizer_config.json (true for both fixtures), else false', async () => {
    const fromDir = await Tokenizer.fromDir(`${TESTDATA}gpt2-hf-fake`);
    const c = caseById('pub-031'); // "Quoted text" and 'single quotes'
    expect(gpt2Tokenizer().decode(c.gpt2_ids)).toBe(c.text);
    expect(fromDir.decode(c.gpt2_ids)).toBe(`"Quoted text" and'single quotes'`);
    expect(fromDir.decode(c.gpt2_ids, { cleanUpTokenizationSpaces: false })).toBe(c.text);
  });

  it('the WordPiece decoder glues ## pieces and cleans punctuation per token', () => {
    const c = caseById('pub-037'); // 'unbelievable unhappiness preprocessing tokenization'
    expect(c.bert_tokens.some((t) => t.startsWith('##'))).toBe(true);
    expect(bertTokenizer().decode(c.bert_ids, { skipSpecialTokens: true })).toBe(c.bert_decoded);
  });

  it('skips ids outside the vocabulary, as HF does', () => {
    expect(gpt2Tokenizer().decode([15496, 999_999, 995])).toBe('Hello world');
  });

  it('decodeBatch', () => {
    expect(gpt2Tokenizer().decodeBatch([caseById('pub-000').gpt2_ids, caseById('pub-033').gpt2_ids])).toEqual(['Hello world', 'a']);
  });
});

describe('stream decoding', () => {
  it('never emits half an emoji: the first byte token yields nothing', () => {
    const c = caseById('pub-017'); // 'I love NLP 🤖🚀 and pizza 🍕'
    const stream = gpt2Tokenizer().createStreamDecoder();
    const pieces = c.gpt2_ids.map((id) => stream.step(id));
    const partial = c.gpt2_tokens.findIndex((t, i) => pieces[i] === '' && t.length > 0);
    expect(partial).toBeGreaterThanOrEqual(0);
    for (const piece of pieces) expect(piece).not.toContain('\ufffd');
    expect(pieces.join('') + stream.flush()).toBe(c.gpt2_decoded);
    expect(pieces.join('')).toContain('🤖');
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s: the pieces concatenate to decode(all)', (_, c) => {
    const gpt2 = gpt2Tokenizer();
    expect([...gpt2.decodeStream(c.gpt2_ids)].join('')).toBe(gpt2.decode(c.gpt2_ids));
    const bert = bertTokenizer();
    expect([...bert.decodeStream(c.bert_ids, { skipSpecialTokens: true })].join('')).toBe(
      bert.decode(c.bert_ids, { skipSpecialTokens: true, cleanUpTokenizationSpaces: false }),
    );
  });

  it('works on async iterables (a model generating tokens)', async () => {
    const c = caseById('pub-018'); // emoji text
    async function* generate() {
      for (const id of c.gpt2_ids) yield id;
    }
    const pieces: string[] = [];
    for await (const piece of gpt2Tokenizer().decodeStream(generate())) pieces.push(piece);
    expect(pieces.join('')).toBe(c.text);
    expect(pieces.length).toBeGreaterThan(1);
  });

  it('flush emits an incomplete character as U+FFFD, like decode', () => {
    const gpt2 = gpt2Tokenizer();
    const emoji = gpt2.encode('🤖').ids;
    expect(emoji.length).toBeGreaterThan(1);
    const stream = gpt2.createStreamDecoder();
    expect(stream.step(emoji[0])).toBe('');
    expect(stream.flush()).toBe(gpt2.decode([emoji[0]]));
    expect(stream.flush()).toBe('');
  });

});
