import { describe, expect, it } from 'vitest';
import { BYTE_TO_CHAR } from '../src/byte-level.js';
import type { Encoding } from '../src/index.js';
import { bertTokenizer, caseById, cases, gpt2Tokenizer } from './fixtures.js';

// The reference file has no offsets, so offsets are checked against the text itself: the characters
// an offset points at must be what the token spells.

const utf8 = new TextEncoder();

/** The byte-level spelling of a string's UTF-8 bytes (what GPT-2 tokens are made of). */
function byteLevel(text: string): string {
  return Array.from(utf8.encode(text), (b) => BYTE_TO_CHAR[b]).join('');
}

/** BERT's normalization of a slice: NFD, drop nonspacing marks, lowercase. */
function bertNormalize(text: string): string {
  return text.normalize('NFD').replace(/\p{Mn}/gu, '').toLowerCase();
}

function checkGpt2Offsets(text: string, encoding: Encoding): void {
  encoding.tokens.forEach((token, i) => {
    const [start, end] = encoding.offsets[i];
    const spelled = byteLevel(text.slice(start, end));
    const sharesCharacter =
      (i > 0 && encoding.offsets[i - 1][1] > start) || (i + 1 < encoding.tokens.length && encoding.offsets[i + 1][0] < end);
    // A token holding part of a character's bytes (emoji split in two) points at the whole character.
    if (sharesCharacter) expect(spelled, `token ${i} ${token}`).toContain(token);
    else expect(spelled, `token ${i} ${token}`).toBe(token);
  });
}

function checkBertOffsets(text: string, encoding: Encoding): void {
  encoding.tokens.forEach((token, i) => {
    const [start, end] = encoding.offsets[i];
    if (encoding.specialTokensMask[i] === 1) {
      expect([start, end]).toEqual([0, 0]);
      return;
    }
    if (token === '[UNK]') return;
    const normalized = bertNormalize(text.slice(start, end));
    const piece = token.replace(/^##/, '');
    const sharesCharacter =
      (i > 0 && encoding.offsets[i - 1][1] > start) || (i + 1 < encoding.tokens.length && encoding.offsets[i + 1][0] < end);
    // NFD splits a Hangul syllable into jamo that WordPiece may split again: each piece points at the syllable.
    if (sharesCharacter) expect(normalized, `token ${i} ${token}`).toContain(piece);
    else expect(normalized, `token ${i} ${token}`).toBe(piece);
  });
}

describe('GPT-2 offsets point at the bytes of each token', () => {
  it.each(cases.map((c) => [c.id, c.text] as const))('%s', (_, text) => {
    checkGpt2Offsets(text, gpt2Tokenizer().encode(text));
  });

  it('emoji split across two tokens: both point at the whole emoji', () => {
    const c = caseById('pub-017'); // 'I love NLP 🤖🚀 and pizza 🍕'
    const encoding = gpt2Tokenizer().encode(c.text);
    const robot = c.text.indexOf('🤖');
    const covering = encoding.offsets.filter(([s, e]) => s <= robot && e > robot);
    expect(covering.length).toBeGreaterThan(1);
    for (const [s, e] of covering) expect(c.text.slice(s, e)).toContain('🤖');
    checkGpt2Offsets(c.text, encoding);
  });

  it('an added token in the text gets its own offsets', () => {
    const text = 'Hello world<|endoftext|> again';
    const encoding = gpt2Tokenizer().encode(text);
    const at = encoding.ids.indexOf(50256);
    expect(encoding.offsets[at]).toEqual([11, 24]);
    expect(text.slice(...encoding.offsets[at])).toBe('<|endoftext|>');
  });
});

describe('BERT offsets survive lowercasing, NFD and accent stripping', () => {
  it.each(cases.map((c) => [c.id, c.text] as const))('%s', (_, text) => {
    checkBertOffsets(text, bertTokenizer().encode(text));
  });

  it('accented words: "résumé" points at the original accented characters', () => {
    const c = caseById('pub-014'); // 'Café, naïve, résumé, jalapeño, façade'
    const encoding = bertTokenizer().encode(c.text);
    const i = encoding.tokens.indexOf('resume');
    expect(c.text.slice(...encoding.offsets[i])).toBe('résumé');
    expect(c.text.slice(...encoding.offsets[encoding.tokens.indexOf('cafe')])).toBe('Café');
  });

  it('decomposed input (e + combining acute) maps back to both code units', () => {
    const text = 'E\u0301cole'; // "École" with a combining accent: 6 code units
    const encoding = bertTokenizer().encode(text);
    expect(encoding.tokens.slice(1, -1).join('')).toBe('ecole');
    expect(encoding.offsets[1][0]).toBe(0);
    expect(encoding.offsets[encoding.offsets.length - 2][1]).toBe(6);
  });

  it('CJK characters are split one per token, each with its own character', () => {
    const c = caseById('pub-019'); // '東京は日本の首都です。'
    const encoding = bertTokenizer().encode(c.text);
    expect(c.text.slice(...encoding.offsets[1])).toBe('東');
    expect(c.text.slice(...encoding.offsets[2])).toBe('京');
    checkBertOffsets(c.text, encoding);
  });

  it('offsets are UTF-16 code units: an emoji before a word shifts it by two', () => {
    const encoding = bertTokenizer().encode('🍕 pizza');
    const i = encoding.tokens.indexOf('pizza');
    expect(encoding.offsets[i]).toEqual([3, 8]);
  });

  it('pair offsets index their own string', () => {
    const encoding = bertTokenizer().encode('Héllo there', { pair: 'Wörld' });
    const i = encoding.tokens.lastIndexOf('world');
    expect(encoding.sequenceIds[i]).toBe(1);
    expect('Wörld'.slice(...encoding.offsets[i])).toBe('Wörld');
  });
});
