import { describe, expect, it } from 'vitest';
import { BPE, WordPiece } from '../src/index.js';

// Expected tokens are those of Hugging Face tokenizers' own BPE / WordPiece unit tests, or follow
// directly from the documented option (ignore_merges, end_of_word_suffix).

/** `[id, start, end]` triples as tuples. */
function tokens(triples: Int32Array): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  for (let k = 0; k < triples.length; k += 3) out.push([triples[k], triples[k + 1], triples[k + 2]]);
  return out;
}

const vocab = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('BPE', () => {
  it('unknown characters become <unk>, one per character unless fuse_unk', () => {
    const v = vocab({ '<unk>': 0, a: 1, b: 2 });
    const plain = new BPE(v, [], { unkToken: '<unk>' });
    expect(tokens(plain.tokenize('c'))).toEqual([[0, 0, 1]]);
    expect(tokens(plain.tokenize('cc'))).toEqual([[0, 0, 1], [0, 1, 2]]);
    expect(tokens(plain.tokenize('accb'))).toEqual([[1, 0, 1], [0, 1, 2], [0, 2, 3], [2, 3, 4]]);
    const fused = new BPE(v, [], { unkToken: '<unk>', fuseUnk: true });
    expect(tokens(fused.tokenize('cc'))).toEqual([[0, 0, 2]]);
    expect(tokens(fused.tokenize('accb'))).toEqual([[1, 0, 1], [0, 1, 3], [2, 3, 4]]);
  });

  it('without an unknown token, characters outside the vocabulary are dropped (HF)', () => {
    expect(tokens(new BPE(vocab({ a: 0 }), []).tokenize('aza'))).toEqual([[0, 0, 1], [0, 2, 3]]);
  });

  it('continuing_subword_prefix', () => {
    const bpe = new BPE(
      vocab({ a: 0, '##b': 1, '##c': 2, ab: 3, abc: 4 }),
      [
        ['a', '##b'],
        ['ab', '##c'],
      ],
      { unkToken: '[UNK]', continuingSubwordPrefix: '##' },
    );
    expect(tokens(bpe.tokenize('ab'))).toEqual([[3, 0, 2]]);
    expect(tokens(bpe.tokenize('abc'))).toEqual([[4, 0, 3]]);
  });

  it('end_of_word_suffix marks the last character', () => {
    const bpe = new BPE(vocab({ a: 0, b: 1, 'b</w>': 2, 'ab</w>': 3 }), [['a', 'b</w>']], { endOfWordSuffix: '</w>' });
    expect(tokens(bpe.tokenize('ab'))).toEqual([[3, 0, 2]]);
    expect(tokens(bpe.tokenize('ba'))).toEqual([[1, 0, 1]]); // "a</w>" is not in the vocabulary: dropped
  });

  it('byte_fallback spells unknown characters as <0xXX> tokens', () => {
    const bpe = new BPE(vocab({ '<unk>': 0, '<0x61>': 1 }), [], { unkToken: '<unk>', byteFallback: true });
    expect(tokens(bpe.tokenize('c'))).toEqual([[0, 0, 1]]);
    expect(tokens(bpe.tokenize('a'))).toEqual([[1, 0, 1]]);
  });

  it('ignore_merges takes a word that is in the vocabulary as it is', () => {
    const v = vocab({ a: 0, b: 1, c: 2, ab: 3, abc: 4 });
    expect(tokens(new BPE(v, [['a', 'b']]).tokenize('abc'))).toEqual([[3, 0, 2], [2, 2, 3]]);
    expect(tokens(new BPE(v, [['a', 'b']], { ignoreMerges: true }).tokenize('abc'))).toEqual([[4, 0, 3]]);
  });

  it('lower rank merges first (HF "unrelated" test)', () => {
    const v = vocab({ u: 0, n: 1, r: 2, e: 3, l: 4, a: 5, t: 6, d: 7, re: 8, at: 9, ed: 10, un: 11, ated: 12, rel: 13, related: 14, unrelated: 15 });
    const merges: Array<[string, string]> = [
      ['r', 'e'],
      ['a', 't'],
      ['e', 'd'],
      ['u', 'n'],
      ['at', 'ed'],
      ['re', 'l'],
      ['rel', 'ated'],
      ['un', 'related'],
    ];
    expect(tokens(new BPE(v, merges).tokenize('unrelated'))).toEqual([[15, 0, 9]]);
    expect(tokens(new BPE(v, merges, { mergeHeapThreshold: 1 }).tokenize('unrelated'))).toEqual([[15, 0, 9]]);
  });
});

describe('WordPiece', () => {
  const wordPiece = new WordPiece(vocab({ '[UNK]': 0, un: 1, '##aff': 2, '##able': 3, a: 4, '##b': 5 }), { maxInputCharsPerWord: 8 });

  it('greedy longest match first, ## for continuations', () => {
    expect(tokens(wordPiece.tokenize('unaffable'.slice(0, 8)))).toEqual([[0, 0, 8]]); // "unaffabl": no piece for "l"
    expect(tokens(new WordPiece(vocab({ '[UNK]': 0, un: 1, '##aff': 2, '##able': 3 })).tokenize('unaffable'))).toEqual([
      [1, 0, 2],
      [2, 2, 5],
      [3, 5, 9],
    ]);
  });

  it('too many characters → one [UNK] over the word; counted in characters, not code units', () => {
    expect(tokens(wordPiece.tokenize('ababab'.slice(0, 2)))).toEqual([[4, 0, 1], [5, 1, 2]]);
    expect(tokens(wordPiece.tokenize('abbbbbbbb'))).toEqual([[0, 0, 9]]);
    const astral = new WordPiece(vocab({ '[UNK]': 0, '😀': 1, '##😀': 2 }), { maxInputCharsPerWord: 3 });
    expect(tokens(astral.tokenize('😀😀😀'))).toEqual([[1, 0, 2], [2, 2, 4], [2, 4, 6]]);
    expect(tokens(astral.tokenize('😀😀😀😀'))).toEqual([[0, 0, 8]]);
  });
});
