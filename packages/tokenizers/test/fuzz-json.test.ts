import { describe, expect, it } from 'vitest';
import { Tokenizer } from '../src/index.js';
import { COMPONENT_TYPES, FIELD_NAMES, fuzzCases, fuzzTimeout, hostileNumber, hostileValue, randomRegex, randomText, runFuzz, show, type FuzzStep, type Rng } from './fuzz-helpers.js';
import { checkEncoding, randomDecodeIds, randomEncodeOptions } from './fuzz-inputs.js';
import { readText } from './fixtures.js';

// tokenizer.json loading under mutation: every file either loads (and then encodes and decodes random
// input with typed errors only) or is refused with a TokenizerError. Mutations start from the real
// GPT-2 and BERT files; most cases use copies cut down to a few hundred tokens (same components, same
// ids) so that a case costs microseconds rather than the 50 ms of parsing a 50k vocabulary.

type Json = Record<string, unknown>;
const gpt2 = JSON.parse(readText('gpt2-hf-fake/tokenizer.json')) as Json;
const bert = JSON.parse(readText('bert-vocab/tokenizer.json')) as Json;

/** GPT-2 with the 256 byte symbols, the first 300 merges and what they need, original ids. */
function miniGpt2(): Json {
  const model = gpt2.model as { vocab: Record<string, number>; merges: string[] };
  const merges = model.merges.slice(0, 300);
  const keep = new Set(Object.keys(model.vocab).filter((token) => model.vocab[token] < 256));
  keep.add('<|endoftext|>');
  for (const merge of merges) {
    const [a, b] = merge.split(' ');
    keep.add(a).add(b).add(a + b);
  }
  const vocab = Object.fromEntries([...keep].map((token) => [token, model.vocab[token]]));
  return { ...gpt2, model: { ...model, vocab, merges } };
}

/** BERT with ids below 3000 (specials, [unused], single characters, the commonest words). */
function miniBert(): Json {
  const model = bert.model as { vocab: Record<string, number> };
  const vocab = Object.fromEntries(Object.entries(model.vocab).filter(([, id]) => id < 3000));
  return { ...bert, model: { ...model, vocab } };
}

const BASES = [miniGpt2(), miniBert()];
const FULL = [gpt2, bert];

// Object.keys of a 50k vocabulary on every step would dominate; the base objects are never mutated.
const keyCache = new WeakMap<object, string[]>();
function keysOf(node: object): string[] {
  let keys = keyCache.get(node);
  if (keys === undefined) {
    keys = Object.keys(node);
    keyCache.set(node, keys);
  }
  return keys;
}

const isNode = (value: unknown): value is object => value !== null && typeof value === 'object';

/** A random path into the document: a random walk that stops at each level with some chance. */
function randomPath(rng: Rng, root: Json): string[] {
  const path: string[] = [];
  let node: unknown = root;
  // At most 40 levels: a mutation may have planted 5,000-deep nesting, and setAt recurses.
  while (isNode(node) && path.length < 40 && (path.length === 0 || rng.chance(0.6))) {
    const keys = keysOf(node);
    if (keys.length === 0) break;
    const key = rng.pick(keys);
    path.push(key);
    node = (node as Json)[key];
  }
  return path;
}

/** A copy of `root` with `path` set to `value` (deleted when `remove`): copies only along the path. */
function setAt(root: Json, path: readonly string[], value: unknown, remove = false): Json {
  if (path.length === 0) return isNode(value) && !Array.isArray(value) ? (value as Json) : root;
  const copy = (Array.isArray(root) ? [...root] : { ...root }) as Json;
  const [head, ...rest] = path;
  if (rest.length === 0) {
    if (remove) {
      if (Array.isArray(copy)) copy.splice(Number(head), 1);
      else delete copy[head];
    } else {
      copy[head] = value;
    }
  } else {
    const child = copy[head];
    copy[head] = isNode(child) ? setAt(child as Json, rest, value, remove) : value;
  }
  return copy;
}

function getAt(root: Json, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const key of path) node = isNode(node) ? (node as Json)[key] : undefined;
  return node;
}

/** Changes a value's type but keeps its content where it can (`7` → `"7"`, `[a, b]` → `{0: a, 1: b}`). */
function retype(rng: Rng, value: unknown): unknown {
  if (typeof value === 'number') return rng.pick([String(value), [value], value > 0, { value }]);
  if (typeof value === 'string') return rng.pick([Number(value), [value], { String: value }, value.length]);
  if (typeof value === 'boolean') return rng.pick([Number(value), String(value), null]);
  if (Array.isArray(value)) return rng.pick([{ ...value }, value.length, value[0], [value]]);
  if (isNode(value)) return rng.pick([Object.values(value), Object.keys(value), show(value)]);
  return hostileValue(rng);
}

/** A number for a targeted field: mostly a small valid one, so that the mutated file often loads. */
const num = (rng: Rng) => (rng.chance(0.75) ? rng.int(40) : hostileNumber(rng));

const TARGETED: Array<(rng: Rng, doc: Json) => Json> = [
  (rng, doc) => ({ ...doc, padding: { strategy: rng.chance(0.5) ? 'BatchLongest' : { Fixed: num(rng) }, direction: rng.pick(['Right', 'Left', 'Up']), pad_id: num(rng), pad_type_id: num(rng), pad_token: rng.pick(['[PAD]', '<|endoftext|>', 5]), pad_to_multiple_of: rng.chance(0.5) ? null : num(rng) } }),
  (rng, doc) => ({ ...doc, truncation: { strategy: rng.pick(['LongestFirst', 'OnlyFirst', 'OnlySecond', 'Middle']), max_length: num(rng), stride: num(rng), direction: rng.pick(['Right', 'Left']) } }),
  (rng, doc) => ({ ...doc, pre_tokenizer: { type: 'Split', pattern: rng.chance(0.8) ? { Regex: randomRegex(rng) } : { String: randomText(rng, 2) }, behavior: rng.pick(['Isolated', 'Removed', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous', 'Nope']), invert: rng.chance(0.5) } }),
  (rng, doc) => ({ ...doc, normalizer: { type: 'Replace', pattern: rng.chance(0.8) ? { Regex: randomRegex(rng) } : { String: randomText(rng, 2) }, content: randomText(rng, 2) } }),
  (rng, doc) => ({ ...doc, decoder: { type: 'Replace', pattern: { Regex: randomRegex(rng) }, content: randomText(rng, 2) } }),
  (rng, doc) => {
    const added = Array.isArray(doc.added_tokens) ? [...doc.added_tokens] : [];
    added.push({ id: num(rng), content: randomText(rng, 3), single_word: rng.chance(0.3), lstrip: rng.chance(0.3), rstrip: rng.chance(0.3), normalized: rng.chance(0.5), special: rng.chance(0.5) });
    return { ...doc, added_tokens: added };
  },
  (rng, doc) => setAt(doc, ['model', 'vocab', randomText(rng, 2)], num(rng)),
  (rng, doc) => setAt(doc, ['model', rng.pick(['max_input_chars_per_word', 'unk_token', 'continuing_subword_prefix', 'end_of_word_suffix', 'fuse_unk', 'byte_fallback', 'ignore_merges', 'dropout', 'type'])], rng.chance(0.5) ? num(rng) : hostileValue(rng)),
  (rng, doc) => {
    const family = rng.pick(['normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model']);
    const component: Json = { type: rng.pick(COMPONENT_TYPES) };
    for (let i = rng.int(5); i > 0; i--) component[rng.pick(FIELD_NAMES)] = hostileValue(rng);
    return { ...doc, [family]: component };
  },
];

/** One mutation (sometimes two or three): delete, replace with a hostile value, retype, or a targeted change. */
function mutate(rng: Rng, doc: Json): Json {
  for (let n = rng.chance(0.7) ? 1 : 2 + rng.int(2); n > 0; n--) {
    const op = rng.int(10);
    if (op < 4) {
      doc = rng.pick(TARGETED)(rng, doc);
      continue;
    }
    const path = randomPath(rng, doc);
    if (op < 6) doc = setAt(doc, path, undefined, true);
    else if (op < 8) doc = setAt(doc, path, hostileValue(rng));
    else doc = setAt(doc, path, retype(rng, getAt(doc, path)));
  }
  return doc;
}

function exercise(rng: Rng, step: FuzzStep, tokenizer: Tokenizer): void {
  for (let i = 0; i < 2; i++) {
    const text = randomText(rng);
    const options = rng.chance(0.5) ? {} : randomEncodeOptions(rng);
    const encoding = step.attempt('encode', () => `encode ${show(text)} ${show(options)}`, () => tokenizer.encode(text, options));
    if (encoding) checkEncoding(encoding);
    const ids = step.attempt('encodeIds', () => `encodeIds ${show(text)}`, () => tokenizer.encodeIds(text));
    step.attempt('decode', () => 'decode', () => tokenizer.decode(ids ?? randomDecodeIds(rng, tokenizer.vocabSize), { skipSpecialTokens: rng.chance(0.5) }));
  }
}

describe('fuzz: tokenizer.json loading', () => {
  const cases = fuzzCases(1000);
  it(
    `${cases} mutated GPT-2 and BERT tokenizer.json files load or give a TokenizerError, and then encode and decode`,
    () => {
      const report = runFuzz('tokenizer.json', cases, (rng, step, k) => {
        // One case in 500 mutates the full files (50k tokens): the paths through big vocabularies.
        const base = k % 500 === 499 ? FULL[k % 2] : BASES[rng.int(BASES.length)];
        const doc = mutate(rng, base);
        let input: unknown = doc;
        if (rng.chance(0.1)) {
          try {
            input = JSON.stringify(doc); // the text form too (deep nesting may be beyond JSON.stringify)
          } catch {
            input = doc;
          }
        }
        const tokenizer = step.attempt('fromJSON', () => `fromJSON ${show(doc)}`, () => Tokenizer.fromJSON(input));
        if (tokenizer) exercise(rng, step, tokenizer);
      });
      expect(report.failures).toEqual([]);
    },
    fuzzTimeout(cases),
  );
});

/** Text-level mutations of a vocab.txt / vocab.json / merges.txt: insert, delete, duplicate, cut. */
function mutateText(rng: Rng, text: string): string {
  for (let n = 1 + rng.int(2); n > 0; n--) {
    const at = rng.int(text.length + 1);
    switch (rng.int(5)) {
      case 0:
        text = text.slice(0, at) + randomText(rng, 3) + text.slice(at);
        break;
      case 1:
        text = text.slice(0, at) + text.slice(at + 1 + rng.int(40));
        break;
      case 2: {
        const end = text.indexOf('\n', at);
        text = text.slice(0, at) + text.slice(at, end < 0 ? text.length : end) + '\n' + text.slice(at);
        break;
      }
      case 3:
        text = text.slice(0, at);
        break;
      default:
        text = text.slice(0, at) + String(hostileNumber(rng)) + text.slice(at);
    }
  }
  return text;
}

function randomFileOptions(rng: Rng): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const keys = ['addPrefixSpace', 'unkToken', 'addedTokens', 'lowercase', 'stripAccents', 'handleChineseChars', 'clsToken', 'sepToken', 'padToken', 'maskToken', 'maxInputCharsPerWord', 'cleanUpTokenizationSpaces', 'modelMaxLength', 'specialTokens'];
  for (const key of keys) if (rng.chance(0.15)) options[key] = key === 'addedTokens' && rng.chance(0.5) ? [randomText(rng, 2), { content: randomText(rng, 2), special: rng.chance(0.5) }] : hostileValue(rng);
  return options;
}

describe('fuzz: vocab.txt, vocab.json and merges.txt', () => {
  const cases = fuzzCases(500);
  const bertVocab = BASES[1].model as { vocab: Record<string, number> };
  const vocabTxt = Object.entries(bertVocab.vocab)
    .sort((a, b) => a[1] - b[1])
    .map(([token]) => token)
    .join('\n');
  const gpt2Model = BASES[0].model as { vocab: Record<string, number>; merges: string[] };
  // Dense ids for vocab.json (the mini vocabulary keeps GPT-2's ids, which have gaps).
  const vocabJson = JSON.stringify(Object.fromEntries(Object.keys(gpt2Model.vocab).map((token, id) => [token, id])));
  const mergesTxt = `#version: 0.2\n${gpt2Model.merges.join('\n')}\n`;
  const vocabObject = JSON.parse(vocabJson) as Record<string, number>;
  // vocab.json: intact, mutated as text (mostly no longer JSON), one entry set to a hostile value, or not text at all.
  const bpeVocab = (rng: Rng): string => {
    const choice = rng.int(10);
    if (choice < 3) return vocabJson;
    if (choice < 5) return mutateText(rng, vocabJson);
    if (choice < 9) return JSON.stringify({ ...vocabObject, [rng.chance(0.5) ? rng.pick(Object.keys(vocabObject)) : randomText(rng, 2)]: hostileNumber(rng) });
    return hostileValue(rng) as string;
  };
  it(
    `${cases} mutated vocabulary files load or give a TokenizerError, and then encode and decode`,
    () => {
      const report = runFuzz('vocab files', cases, (rng, step) => {
        const options = rng.chance(0.5) ? {} : randomFileOptions(rng);
        const tokenizer = rng.chance(0.5)
          ? step.attempt('fromWordPieceVocab', () => `fromWordPieceVocab ${show(options)}`, () => Tokenizer.fromWordPieceVocab(mutateText(rng, vocabTxt), options))
          : step.attempt('fromBPEFiles', () => `fromBPEFiles ${show(options)}`, () => Tokenizer.fromBPEFiles(bpeVocab(rng), rng.chance(0.5) ? mergesTxt : mutateText(rng, mergesTxt), options));
        if (tokenizer) exercise(rng, step, tokenizer);
      });
      expect(report.failures).toEqual([]);
    },
    fuzzTimeout(cases),
  );
});
