import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { toWellFormed } from '../src/unicode.js';
import { fuzzCases, fuzzTimeout, hostileValue, randomText, runFuzz, show, type Rng } from './fuzz-helpers.js';
import { checkEncoding, checkPadded, randomDecodeIds, randomEncodeOptions } from './fuzz-inputs.js';
import { bertTokenizer, gpt2Tokenizer, readText } from './fixtures.js';

// encode / decode with random texts, option objects and id arrays on the real GPT-2 and BERT
// tokenizers (and variants with tokenizer.json padding and truncation defaults): every call returns a
// well-formed result or throws a TokenizerError.

const bertJson = JSON.parse(readText('bert-vocab/tokenizer.json'));
const tokenizers: Array<[string, Tokenizer]> = [
  ['gpt2', gpt2Tokenizer()],
  ['bert', bertTokenizer()],
  ['gpt2+pad', Tokenizer.fromJSON(JSON.parse(readText('gpt2-hf-fake/tokenizer.json')), { specialTokens: { pad: '<|endoftext|>' } })],
  [
    'bert+defaults',
    Tokenizer.fromJSON({
      ...bertJson,
      padding: { strategy: { Fixed: 16 }, direction: 'Left', pad_to_multiple_of: 8, pad_id: 0, pad_type_id: 0, pad_token: '[PAD]' },
      truncation: { strategy: 'LongestFirst', max_length: 12, stride: 2, direction: 'Right' },
    }),
  ],
];

function batchInputs(rng: Rng): unknown {
  if (rng.chance(0.05)) return hostileValue(rng);
  return Array.from({ length: rng.int(5) }, () => {
    if (rng.chance(0.6)) return randomText(rng);
    if (rng.chance(0.8)) return [randomText(rng), randomText(rng)];
    return hostileValue(rng);
  });
}

describe('fuzz: encode and decode options', () => {
  const cases = fuzzCases(4000);
  it(
    `${cases} random calls with hostile texts, options and ids give results or TokenizerErrors`,
    () => {
      const report = runFuzz('encode/decode', cases, (rng, step) => {
        const [name, tokenizer] = rng.pick(tokenizers);
        const text = rng.chance(0.97) ? randomText(rng) : (hostileValue(rng) as string);
        switch (rng.int(6)) {
          case 0: {
            const options = randomEncodeOptions(rng);
            const encoding = step.attempt('encode', () => `${name} encode ${show(text)} ${show(options)}`, () => tokenizer.encode(text, options));
            if (encoding) {
              checkEncoding(encoding);
              checkPadded(encoding, options);
            }
            break;
          }
          case 1: {
            const ids = step.attempt('encodeIds', () => `${name} encodeIds ${show(text)}`, () => tokenizer.encodeIds(text, { addSpecialTokens: false }));
            // Byte-level BPE loses nothing: decoding gives the text back (lone surrogates as U+FFFD).
            if (ids && name === 'gpt2' && tokenizer.decode(ids) !== toWellFormed(text)) throw new Error(`round trip of ${show(text)} gave ${show(tokenizer.decode(ids))}`);
            break;
          }
          case 2: {
            const inputs = batchInputs(rng);
            const options = randomEncodeOptions(rng, false);
            const rows = step.attempt('encodeBatch', () => `${name} encodeBatch ${show(inputs)} ${show(options)}`, () => tokenizer.encodeBatch(inputs as string[], options));
            if (rows) {
              for (const row of rows) {
                checkEncoding(row);
                checkPadded(row, options);
              }
              // Padding to the longest row makes every row as long (max_length leaves longer rows alone).
              const longest = options.padding === true || options.padding === 'longest';
              if (longest && new Set(rows.map((row) => row.ids.length)).size > 1) throw new Error('rows padded to the longest differ in length');
            }
            break;
          }
          case 3: {
            const ids = randomDecodeIds(rng, tokenizer.vocabSize);
            const options = rng.chance(0.5) ? { skipSpecialTokens: rng.chance(0.5) } : { cleanUpTokenizationSpaces: rng.pick([true, false, 'x']) as boolean };
            const decoded = step.attempt('decode', () => `${name} decode ${show(ids)} ${show(options)}`, () => tokenizer.decode(ids, options));
            if (decoded !== undefined && typeof decoded !== 'string') throw new Error('decode returned a non-string');
            break;
          }
          case 4: {
            const batch = [randomDecodeIds(rng, tokenizer.vocabSize), randomDecodeIds(rng, tokenizer.vocabSize)];
            step.attempt('decodeBatch', () => `${name} decodeBatch ${show(batch)}`, () => tokenizer.decodeBatch(batch));
            break;
          }
          default: {
            // Streaming: the pieces concatenate to decode(ids) whenever every step succeeds.
            const drawn: unknown = randomDecodeIds(rng, tokenizer.vocabSize);
            const ids = Array.isArray(drawn) ? (drawn as number[]) : []; // step() takes one id at a time
            const skipSpecialTokens = rng.chance(0.5);
            const streamed = step.attempt('stream', () => `${name} stream ${show(ids)}`, () => {
              const decoder = tokenizer.createStreamDecoder(rng.chance(0.95) ? { skipSpecialTokens } : (rng.pick([{ skipSpecialTokens: 'yes' }, { skip: true }, null]) as object));
              let out = '';
              for (let i = 0; i < ids.length; i++) out += decoder.step(ids[i]);
              return out + decoder.flush();
            });
            if (streamed !== undefined) {
              const whole = tokenizer.decode(ids, { skipSpecialTokens, cleanUpTokenizationSpaces: false });
              if (streamed !== whole) throw new Error(`stream gave ${JSON.stringify(streamed)}, decode ${JSON.stringify(whole)}`);
            }
          }
        }
      });
      expect(report.failures).toEqual([]);
    },
    fuzzTimeout(cases),
  );
});
