import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { readText } from './fixtures.js';

// Variants of the GPT-2 tokenizer.json (add_prefix_space, lstrip/rstrip, single_word, trim_offsets).
// Expected ids, tokens and offsets were produced by Hugging Face tokenizers 0.23.2 (the Rust library,
// npm Node binding) on the same JSON; all texts are ASCII, so its character offsets are UTF-16 offsets.

const base = JSON.parse(readText('gpt2-hf-fake/tokenizer.json'));
const EOT = base.added_tokens[0];

type Expected = [ids: number[], tokens: string[], offsets: Array<[number, number]>];

function check(json: object, text: string, [ids, tokens, offsets]: Expected): void {
  const encoding = Tokenizer.fromJSON(json).encode(text);
  expect(encoding.ids).toEqual(ids);
  expect(encoding.tokens).toEqual(tokens);
  expect(encoding.offsets).toEqual(offsets);
}

describe('ByteLevel add_prefix_space', () => {
  const json = { ...base, pre_tokenizer: { ...base.pre_tokenizer, add_prefix_space: true } };

  it('prepends a space to each text segment, aligned to its first character', () => {
    check(json, 'Hello world', [[18435, 995], ['ĠHello', 'Ġworld'], [[0, 5], [5, 11]]]);
    check(json, 'x<|endoftext|>y', [[2124, 50256, 331], ['Ġx', '<|endoftext|>', 'Ġy'], [[0, 1], [1, 14], [14, 15]]]);
    check(json, ' Hello  world <|endoftext|>  again', [
      [18435, 220, 995, 220, 50256, 220, 757],
      ['ĠHello', 'Ġ', 'Ġworld', 'Ġ', '<|endoftext|>', 'Ġ', 'Ġagain'],
      [[0, 6], [6, 7], [7, 13], [13, 14], [14, 27], [27, 28], [28, 34]],
    ]);
  });

  it('with a trimming ByteLevel post-processor, offsets skip the spaces', () => {
    const trimming = { ...json, post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true } };
    check(trimming, 'Hello world', [[18435, 995], ['ĠHello', 'Ġworld'], [[0, 5], [6, 11]]]);
    check(trimming, 'a <|endoftext|> b', [[257, 220, 50256, 275], ['Ġa', 'Ġ', '<|endoftext|>', 'Ġb'], [[0, 1], [2, 2], [2, 15], [16, 17]]]);
  });
});

describe('added token flags', () => {
  it('lstrip / rstrip swallow the surrounding whitespace; the token keeps the matched text', () => {
    const json = { ...base, added_tokens: [{ ...EOT, lstrip: true, rstrip: true }] };
    check(json, 'a <|endoftext|> b', [[64, 50256, 65], ['a', ' <|endoftext|> ', 'b'], [[0, 1], [1, 16], [16, 17]]]);
    check(json, ' Hello  world <|endoftext|>  again', [
      [18435, 220, 995, 50256, 17776],
      ['ĠHello', 'Ġ', 'Ġworld', ' <|endoftext|>  ', 'again'],
      [[0, 6], [6, 7], [7, 13], [13, 29], [29, 34]],
    ]);
  });

  it('single_word only matches outside words', () => {
    const json = { ...base, added_tokens: [{ ...EOT, single_word: true }] };
    check(json, 'a <|endoftext|> b', [[64, 220, 50256, 275], ['a', 'Ġ', '<|endoftext|>', 'Ġb'], [[0, 1], [1, 2], [2, 15], [15, 17]]]);
    check(json, 'x<|endoftext|>y', [
      [87, 27, 91, 437, 1659, 5239, 91, 29, 88],
      ['x', '<', '|', 'end', 'of', 'text', '|', '>', 'y'],
      [[0, 1], [1, 2], [2, 3], [3, 6], [6, 8], [8, 12], [12, 13], [13, 14], [14, 15]],
    ]);
  });
});
