import { describe, expect, it } from 'vitest';
import {
  BertNormalizer,
  BertPreTokenizer,
  ByteFallbackDecoder,
  ByteLevelPostProcessor,
  ByteLevelPreTokenizer,
  decoders,
  Digits,
  FuseDecoder,
  MetaspaceDecoder,
  NormalizedString,
  normalizers,
  Punctuation,
  Ranges,
  RobertaProcessing,
  Split,
  Tokenizer,
  Whitespace,
  WhitespaceSplit,
  WordPiece,
  WordPieceDecoder,
  type Encoding,
  type PreTokenizer,
} from '../src/index.js';
import { StringPattern } from '../src/pattern.js';

// Expected values are the ones in Hugging Face tokenizers' own unit tests and documentation.

function pieces(preTokenizer: PreTokenizer, text: string): string[] {
  const out = new Ranges();
  preTokenizer.split(text, 0, text.length, out);
  return Array.from({ length: out.length }, (_, k) => text.slice(out.starts[k], out.ends[k]));
}

function normalize(json: object, text: string): string {
  return normalizers.build(json, 'normalizer').normalize(NormalizedString.identity(text, 0, text.length)).text;
}

describe('pre-tokenizers', () => {
  it('Split on " " with each delimiter behavior', () => {
    const text = 'How are you doing?';
    const split = (behavior: 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous', invert = false) =>
      pieces(new Split(new StringPattern(' '), behavior, invert), text);
    expect(split('Removed')).toEqual(['How', 'are', 'you', 'doing?']);
    expect(split('Isolated')).toEqual(['How', ' ', 'are', ' ', 'you', ' ', 'doing?']);
    expect(split('MergedWithPrevious')).toEqual(['How ', 'are ', 'you ', 'doing?']);
    expect(split('MergedWithNext')).toEqual(['How', ' are', ' you', ' doing?']);
    expect(pieces(new Split(new StringPattern(' '), 'Contiguous', false), 'How  are')).toEqual(['How', '  ', 'are']);
    expect(split('Removed', true)).toEqual([' ', ' ', ' ']);
  });

  it('Digits, Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer', () => {
    expect(pieces(new Digits(true), 'Hey 123 friend!')).toEqual(['Hey ', '1', '2', '3', ' friend!']);
    expect(pieces(new Digits(false), 'Hey 123 friend!')).toEqual(['Hey ', '123', ' friend!']);
    expect(pieces(new Punctuation(), 'Hey friend!     How are you?!?')).toEqual(['Hey friend', '!', '     How are you', '?', '!', '?']);
    expect(pieces(new Whitespace(), 'How are you doing?')).toEqual(['How', 'are', 'you', 'doing', '?']);
    expect(pieces(new Whitespace(), '\n')).toEqual([]);
    expect(pieces(new WhitespaceSplit(), 'Hey man!')).toEqual(['Hey', 'man!']);
    expect(pieces(new BertPreTokenizer(), 'Hey friend!     How are you?!?')).toEqual(['Hey', 'friend', '!', 'How', 'are', 'you', '?', '!', '?']);
  });

  it('ByteLevel splits with the GPT-2 regex', () => {
    expect(pieces(new ByteLevelPreTokenizer(), 'Hello my friend, how is your day going?')).toEqual([
      'Hello', ' my', ' friend', ',', ' how', ' is', ' your', ' day', ' going', '?',
    ]);
  });

  it('the hand-written GPT-2 scanner splits exactly like the regex', () => {
    // The regex itself is the reference, with \s spelled as White_Space (Oniguruma's \s).
    const regex = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\p{White_Space}\p{L}\p{N}]+|\p{White_Space}+(?!\P{White_Space})|\p{White_Space}+/gu;
    const alphabet = ['a', 'Z', 'é', '東', '1', '²', ' ', ' ', '  ', '\n', '\t', '\u3000', "'", 's', 't', 're', 'll', '!', '.', '🤖', '𝟘', '\u0301', '\u00a0', '\u0085', '-'];
    let seed = 12345;
    const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const byteLevel = new ByteLevelPreTokenizer();
    for (let trial = 0; trial < 3000; trial++) {
      let text = '';
      const length = 1 + Math.floor(random() * 14);
      for (let k = 0; k < length; k++) text += alphabet[Math.floor(random() * alphabet.length)];
      expect(pieces(byteLevel, text), JSON.stringify(text)).toEqual(text.match(regex) ?? []);
    }
  });
});

describe('normalizers', () => {
  it('NFD + StripAccents (HF docs example)', () => {
    expect(normalize({ type: 'Sequence', normalizers: [{ type: 'NFD' }, { type: 'StripAccents' }] }, 'Héllò hôw are ü?')).toBe('Hello how are u?');
  });

  it('NFKC, Lowercase, Strip, Replace, Prepend', () => {
    expect(normalize({ type: 'NFKC' }, 'ﬁne ①')).toBe('fine 1');
    expect(normalize({ type: 'Lowercase' }, 'ÀB İ')).toBe('àb i̇');
    expect(normalize({ type: 'Strip', strip_left: true, strip_right: true }, '  hi there \n')).toBe('hi there');
    expect(normalize({ type: 'Replace', pattern: { String: ' ' }, content: '▁' }, 'a b  c')).toBe('a▁b▁▁c');
    expect(normalize({ type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, 'a \n b')).toBe('a b');
    expect(normalize({ type: 'Prepend', prepend: '▁' }, 'hey')).toBe('▁hey');
  });

  it('BertNormalizer (uncased) equals NFD → drop Mn → lowercase computed by the platform', () => {
    // String.prototype.normalize is an independent NFD; the one-pass normalizer decomposes per
    // character and must fall back when canonical reordering crosses characters (a + U+0301 U+0323).
    const texts = ['Tiếng Việt có dấu', 'Ελληνικά κείμενα', 'Русский ТЕКСТ ё', 'नमस्ते दुनिया', 'مَرْحَبًا', 'ภาษาไทย', '한국어 문장', 'a\u0301\u0323b', 'Ǆemal ǅ ǆ', 'ﬁ Ⅻ ½'];
    const normalizer = new BertNormalizer({ lowercase: true, handleChineseChars: false });
    for (const text of texts) {
      const expected = [...text.normalize('NFD').replace(/\p{Mn}/gu, '')].map((ch) => ch.toLowerCase()).join('');
      const got = normalizer.normalize(NormalizedString.identity(text, 0, text.length));
      expect(got.text, text).toBe(expected);
    }
  });

  it('BertNormalizer: cased keeps accents, uncased strips them, CJK gets spaces', () => {
    const text = 'Héllo\u0000 東京\tWORLD';
    const run = (normalizer: BertNormalizer) => normalizer.normalize(NormalizedString.identity(text, 0, text.length)).text;
    expect(run(new BertNormalizer({ lowercase: true }))).toBe('hello  東  京  world');
    expect(run(new BertNormalizer({ lowercase: false }))).toBe('Héllo  東  京  WORLD');
    expect(run(new BertNormalizer({ lowercase: true, stripAccents: false }))).toBe('héllo  東  京  world');
    expect(run(new BertNormalizer({ lowercase: true, handleChineseChars: false }))).toBe('hello 東京 world');
  });
});

describe('post-processors', () => {
  it('RobertaProcessing: <s> A </s></s> B </s>, every type id 0 (HF unit test)', () => {
    const vocab = new Map(Object.entries({ '<s>': 0, '[UNK]': 1, '</s>': 2, hello: 12, there: 14, pair: 15 }));
    const tokenizer = new Tokenizer({
      model: new WordPiece(vocab),
      preTokenizer: new WhitespaceSplit(),
      postProcessor: new RobertaProcessing(['</s>', 2], ['<s>', 0], true, true),
    });
    const single = tokenizer.encode('hello there');
    expect(single.ids).toEqual([0, 12, 14, 2]);
    expect(single.offsets).toEqual([[0, 0], [0, 5], [6, 11], [0, 0]]);
    const pair = tokenizer.encode('hello there', { pair: 'pair' });
    expect(pair.ids).toEqual([0, 12, 14, 2, 2, 15, 2]);
    expect(pair.typeIds).toEqual([0, 0, 0, 0, 0, 0, 0]);
    expect(pair.specialTokensMask).toEqual([1, 0, 0, 1, 1, 0, 1]);
    expect(pair.offsets).toEqual([[0, 0], [0, 5], [6, 11], [0, 0], [0, 0], [0, 4], [0, 0]]);
    expect(tokenizer.encode('hello there', { pair: 'pair', addSpecialTokens: false }).ids).toEqual([12, 14, 15]);
  });

  it('ByteLevel trim_offsets moves offsets past leading and trailing spaces (HF unit test)', () => {
    const tokens = ['Ġ', 'ĠĠĠĠHelloĠĠ', 'ĠĠHello', 'HelloĠĠ', 'ĠĠĠĠ'];
    const encoding: Encoding = {
      ids: [0, 1, 2, 3, 4],
      tokens,
      offsets: [[0, 1], [0, 11], [11, 18], [18, 25], [25, 29]],
      attentionMask: [1, 1, 1, 1, 1],
      typeIds: [0, 0, 0, 0, 0],
      specialTokensMask: [0, 0, 0, 0, 0],
      wordIds: [0, 1, 2, 3, 4],
      sequenceIds: [0, 0, 0, 0, 0],
      overflowing: [],
    };
    const [trimmed] = new ByteLevelPostProcessor(true, true).processEncodings([encoding]);
    expect(trimmed.offsets).toEqual([[0, 0], [4, 9], [13, 18], [18, 23], [29, 29]]);
    // Pre-tokenized input: a later token starting at offset 0 keeps its single prefix space.
    const pretokenized: Encoding = { ...encoding, ids: [0, 1, 2, 3], tokens: ['Ġl', 'ove', 'Ġl', 'ove'], offsets: [[0, 1], [1, 4], [0, 1], [1, 4]] };
    expect(new ByteLevelPostProcessor(true, true).processEncodings([pretokenized])[0].offsets).toEqual([[0, 1], [1, 4], [0, 1], [1, 4]]);
  });
});

describe('decoders', () => {
  it('WordPiece (HF unit test)', () => {
    expect(new WordPieceDecoder('##', true).decodeChain(['##uelo', 'Ara', '##új', '##o', 'No', '##guera']).join('')).toBe('##uelo Araújo Noguera');
  });

  it('Metaspace, Fuse, ByteFallback, Replace, Strip, BPEDecoder', () => {
    expect(new MetaspaceDecoder('▁', 'always').decodeChain(['▁Hey', '▁friend!']).join('')).toBe('Hey friend!');
    expect(new MetaspaceDecoder('▁', 'never').decodeChain(['▁Hey', '▁friend!']).join('')).toBe(' Hey friend!');
    expect(new FuseDecoder().decodeChain(['Hey', ' friend!'])).toEqual(['Hey friend!']);
    expect(new ByteFallbackDecoder().decodeChain(['<0x61>'])).toEqual(['a']);
    expect(new ByteFallbackDecoder().decodeChain(['<0xE5>', '<0x8f>', '<0xab>', 'a']).join('')).toBe('叫a');
    expect(new ByteFallbackDecoder().decodeChain(['<0xE5>', '<0x8f>', 'a'])).toEqual(['\ufffd', '\ufffd', 'a']);
    const replace = decoders.build({ type: 'Replace', pattern: { String: '▁' }, content: ' ' }, 'decoder');
    expect(replace.decodeChain(['▁Hey', '▁friend!'])).toEqual([' Hey', ' friend!']);
    const strip = decoders.build({ type: 'Strip', content: ' ', start: 1, stop: 0 }, 'decoder');
    expect(strip.decodeChain(['  Hey', ' friend!', ' '])).toEqual([' Hey', 'friend!', '']);
    const bpe = decoders.build({ type: 'BPEDecoder', suffix: '</w>' }, 'decoder');
    expect(bpe.decodeChain(['My</w>', 'na', 'me</w>']).join('')).toBe('My name');
  });
});
