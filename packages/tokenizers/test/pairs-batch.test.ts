import { describe, expect, it } from 'vitest';
import { Tokenizer, TokenizerOptionError } from '../src/index.js';
import { bertContentIds, bertTokenizer, caseById, gpt2Tokenizer, readText } from './fixtures.js';

// Expected ids are assembled from the reference ids of tokenizer-cases.json: [CLS]=101, [SEP]=102,
// [PAD]=0 and the content ids of each case. Truncation lengths follow HF's `truncate_encodings`
// (its own unit tests: with room for 7 tokens, 8+4 → 4+3, 4+8 → 3+4, 8+8 → 3+4, 2+8 → 2+5).

const CLS = 101;
const SEP = 102;
const A = caseById('pub-000'); // Hello world
const B = caseById('pub-001'); // The quick brown fox jumps over the lazy dog.
const letterA = bertContentIds(caseById('pub-033'))[0]; // "a" → 1037
const words = (n: number, word = 'a') => Array(n).fill(word).join(' ');

describe('BERT sentence pairs', () => {
  it('[CLS] A [SEP] B [SEP] with type ids 0 then 1', () => {
    const encoding = bertTokenizer().encode(A.text, { pair: B.text });
    const a = bertContentIds(A);
    const b = bertContentIds(B);
    expect(encoding.ids).toEqual([CLS, ...a, SEP, ...b, SEP]);
    expect(encoding.typeIds).toEqual([...Array(a.length + 2).fill(0), ...Array(b.length + 1).fill(1)]);
    expect(encoding.specialTokensMask).toEqual([1, ...a.map(() => 0), 1, ...b.map(() => 0), 1]);
    expect(encoding.attentionMask).toEqual(encoding.ids.map(() => 1));
    expect(encoding.sequenceIds).toEqual([null, ...a.map(() => 0), null, ...b.map(() => 1), null]);
    expect(encoding.wordIds).toEqual([null, 0, 1, null, ...[0, 1, 2, 3, 4, 5, 6, 7, 8, 9], null]);
  });

  it('without special tokens', () => {
    const encoding = bertTokenizer().encode(A.text, { pair: B.text, addSpecialTokens: false });
    expect(encoding.ids).toEqual([...bertContentIds(A), ...bertContentIds(B)]);
    expect(encoding.typeIds).toEqual([0, 0, ...bertContentIds(B).map(() => 1)]);
  });

  it.each([
    [8, 4, 4, 3],
    [4, 8, 3, 4],
    [8, 8, 3, 4],
    [2, 8, 2, 5],
    [8, 2, 5, 2],
    [3, 3, 3, 3],
  ])('longest_first: %i + %i tokens in 10 (7 + 3 specials) → %i + %i', (n1, n2, k1, k2) => {
    const encoding = bertTokenizer().encode(words(n1), { pair: words(n2, 'b'), truncation: true, maxLength: 10 });
    const b = bertContentIds(caseById('pub-033'))[0] + 1; // "b" follows "a" in the vocabulary
    expect(encoding.ids).toEqual([CLS, ...Array(k1).fill(letterA), SEP, ...Array(k2).fill(b), SEP]);
  });

  it('only_first and only_second cut one side; a side too short is an error', () => {
    const tokenizer = bertTokenizer();
    const first = tokenizer.encode(words(6), { pair: words(2, 'b'), truncation: 'only_first', maxLength: 8 });
    expect(first.ids.filter((id) => id === letterA)).toHaveLength(3);
    const second = tokenizer.encode(words(2), { pair: words(6, 'b'), truncation: 'only_second', maxLength: 8 });
    expect(second.ids.filter((id) => id === letterA + 1)).toHaveLength(3);
    expect(() => tokenizer.encode(words(2), { pair: words(6, 'b'), truncation: 'only_first', maxLength: 6 })).toThrow(
      TokenizerOptionError,
    );
    expect(() => tokenizer.encode(words(9), { truncation: 'only_second', maxLength: 6 })).toThrow(TokenizerOptionError);
  });

  it('truncationSide left keeps the end', () => {
    const encoding = bertTokenizer().encode(B.text, { truncation: true, maxLength: 5, truncationSide: 'left' });
    expect(encoding.ids).toEqual([CLS, ...bertContentIds(B).slice(-3), SEP]);
  });
});

describe('overflowing windows with stride (question answering)', () => {
  const question = A; // 2 tokens
  const context = B; // 10 tokens: the quick brown fox jumps over the lazy dog .
  const q = bertContentIds(question);
  const c = bertContentIds(context);
  // maxLength 9 = 3 specials + 2 question tokens + 4 context tokens; windows step by 4 - 2 = 2.
  const expectedWindows = [
    [0, 4],
    [2, 6],
    [4, 8],
    [6, 10],
  ].map(([s, e]) => [CLS, ...q, SEP, ...c.slice(s, e), SEP]);

  it('encode keeps the extra windows in `overflowing`', () => {
    const encoding = bertTokenizer().encode(question.text, {
      pair: context.text,
      truncation: 'only_second',
      maxLength: 9,
      stride: 2,
      returnOverflowing: true,
    });
    expect([encoding.ids, ...encoding.overflowing.map((o) => o.ids)]).toEqual(expectedWindows);
    expect(encoding.overflowing[2].typeIds).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('encodeBatch returns each window as a row with its sample index, offsets into the context', () => {
    const rows = bertTokenizer().encodeBatch(
      [
        [question.text, context.text],
        [question.text, 'a b'],
      ],
      { truncation: 'only_second', maxLength: 9, stride: 2, returnOverflowing: true, padding: 'longest' },
    );
    expect(rows.map((r) => r.sampleIndex)).toEqual([0, 0, 0, 0, 1]);
    expect(rows.slice(0, 4).map((r) => r.ids)).toEqual(expectedWindows);
    expect(rows[4].ids).toEqual([CLS, ...q, SEP, letterA, letterA + 1, SEP, 0, 0]);
    expect(rows[4].attentionMask).toEqual([1, 1, 1, 1, 1, 1, 1, 0, 0]);
    const window = rows[1];
    const firstContext = window.sequenceIds.indexOf(1);
    expect(context.text.slice(...window.offsets[firstContext])).toBe('brown');
  });

  it('without returnOverflowing the windows are dropped', () => {
    const encoding = bertTokenizer().encode(question.text, { pair: context.text, truncation: 'only_second', maxLength: 9, stride: 2 });
    expect(encoding.ids).toEqual(expectedWindows[0]);
    expect(encoding.overflowing).toEqual([]);
  });

  it('a stride as long as the window is refused', () => {
    expect(() => bertTokenizer().encode(B.text, { truncation: true, maxLength: 5, stride: 3 })).toThrow(TokenizerOptionError);
  });
});

describe('batch padding', () => {
  const texts = [A.text, B.text];
  const a = [CLS, ...bertContentIds(A), SEP];
  const b = [CLS, ...bertContentIds(B), SEP];

  it("'longest' pads on the right with [PAD] = 0 and attention 0", () => {
    const [x, y] = bertTokenizer().encodeBatch(texts, { padding: 'longest' });
    expect(x.ids).toEqual([...a, ...Array(b.length - a.length).fill(0)]);
    expect(x.attentionMask).toEqual([...a.map(() => 1), ...Array(b.length - a.length).fill(0)]);
    expect(x.tokens.at(-1)).toBe('[PAD]');
    expect(x.specialTokensMask.at(-1)).toBe(1);
    expect(x.offsets.at(-1)).toEqual([0, 0]);
    expect(y.ids).toEqual(b);
  });

  it("'max_length', left side, rounded up to a multiple", () => {
    const [x] = bertTokenizer().encodeBatch(texts, { padding: 'max_length', maxLength: 14, truncation: false, padSide: 'left', padToMultipleOf: 8 });
    expect(x.ids).toEqual([...Array(16 - a.length).fill(0), ...a]);
    expect(x.wordIds.slice(0, 2)).toEqual([null, null]);
  });

  it('padding with max_length also truncates longer rows, as transformers does', () => {
    const [, y] = bertTokenizer().encodeBatch(texts, { padding: 'max_length', maxLength: 6 });
    expect(y.ids).toEqual([CLS, ...bertContentIds(B).slice(0, 4), SEP]);
  });

  it('GPT-2 has no pad token: padding needs one to be named', () => {
    expect(() => gpt2Tokenizer().encodeBatch(texts, { padding: true })).toThrow(TokenizerOptionError);
    const gpt2 = Tokenizer.fromJSON(JSON.parse(readText('gpt2-hf-fake/tokenizer.json')), { specialTokens: { pad: '<|endoftext|>' } });
    const [x, y] = gpt2.encodeBatch(texts, { padding: true, padSide: 'left' });
    expect(x.ids).toEqual([...Array(y.ids.length - A.gpt2_ids.length).fill(50256), ...A.gpt2_ids]);
    expect(y.ids).toEqual(B.gpt2_ids);
  });
});
