/**
 * Hugging Face's token-classification aggregation on hand-made probabilities: every expected entity,
 * score and offset below is worked out by hand from the table in `tokens()`.
 */
import { BertForTokenClassification } from '@attnjs/bert';
import { GPT2ForTokenClassification } from '@attnjs/gpt';
import { type Backend, InputError, UnsupportedError } from '@attnjs/core';
import { type Encoding, type Tokenizer, decodeTokens } from '@attnjs/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AggregationStrategy, type EntityGroup, type TokenEntity, type TokenPrediction, aggregateEntities, mergeOverlappingEntities } from '../src/entity-aggregation.js';
import { pipeline } from '../src/pipeline.js';
import type { TokenClassificationPipeline } from '../src/tasks/token-classification.js';
import { ENGINES, HOST_SIDE_ENGINE, counts, fixture, gpt2TinyTokenizer } from './helpers.js';
import { tinyBertTokenizer } from './subword-tokenizer.js';

const id2label = ['O', 'B-PER', 'I-PER', 'B-LOC', 'I-LOC'];
// WordPiece's decoder, written out: tokens joined by spaces, "##" continuations glued on (not on the first token).
const tokensToString = (tokens: readonly string[]) => tokens.map((t, i) => (i === 0 ? t : t.startsWith('##') ? t.slice(2) : ` ${t}`)).join('');
const options = { id2label, tokensToString };

/** "John Smithson lives in Paris": [CLS] john smith ##son lives in paris [SEP]; rows are probabilities over id2label. */
function tokens(): TokenPrediction[] {
  const rows: [string, number, number, boolean, number[]][] = [
    ['john', 0, 4, false, [0.1, 0.7, 0.1, 0.05, 0.05]], // B-PER 0.7
    ['smith', 5, 10, false, [0.1, 0.1, 0.6, 0.1, 0.1]], // I-PER 0.6
    ['##son', 10, 13, true, [0, 0, 0.3, 0, 0.7]], // I-LOC 0.7
    ['lives', 14, 19, false, [0.9, 0.025, 0.025, 0.025, 0.025]], // O
    ['in', 20, 22, false, [0.8, 0.05, 0.05, 0.05, 0.05]], // O
    ['paris', 23, 28, false, [0.1, 0.05, 0.05, 0.6, 0.2]], // B-LOC 0.6
  ];
  return rows.map(([word, start, end, isSubword, scores], i) => ({ word, start, end, isSubword, scores, index: i + 1 }));
}

describe('aggregateEntities', () => {
  it("'none': every token's argmax label, O dropped", () => {
    expect(aggregateEntities(tokens(), 'none', options)).toEqual([
      { entity: 'B-PER', score: 0.7, index: 1, word: 'john', start: 0, end: 4 },
      { entity: 'I-PER', score: 0.6, index: 2, word: 'smith', start: 5, end: 10 },
      { entity: 'I-LOC', score: 0.7, index: 3, word: '##son', start: 10, end: 13 },
      { entity: 'B-LOC', score: 0.6, index: 6, word: 'paris', start: 23, end: 28 },
    ]);
  });

  it("'simple': tokens grouped by tag, ignoring word boundaries; mean score", () => {
    const got = aggregateEntities(tokens(), 'simple', options);
    expect(got.map((g) => [g.entity_group, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smith', 0, 10],
      ['LOC', '##son', 10, 13], // I-LOC after I-PER opens a new group; a lone "##" token keeps its prefix (HF decoder)
      ['LOC', 'paris', 23, 28], // B- never continues a group
    ]);
    expect(got.map((g) => g.score)).toEqual([(0.7 + 0.6) / 2, 0.7, 0.6].map((x) => expect.closeTo(x, 12)));
  });

  it("'first': a word takes its first sub-token's label and score", () => {
    const got = aggregateEntities(tokens(), 'first', options);
    expect(got.map((g) => [g.entity_group, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smithson', 0, 13],
      ['LOC', 'paris', 23, 28],
    ]);
    expect(got[0]!.score).toBeCloseTo((0.7 + 0.6) / 2, 12);
  });

  it("'average': a word's probabilities are averaged over its sub-tokens, then argmax", () => {
    // smithson: mean of smith and ##son = [0.05, 0.05, 0.45, 0.05, 0.4] → I-PER 0.45.
    const got = aggregateEntities(tokens(), 'average', options);
    expect(got.map((g) => [g.entity_group, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smithson', 0, 13],
      ['LOC', 'paris', 23, 28],
    ]);
    expect(got[0]!.score).toBeCloseTo((0.7 + 0.45) / 2, 12);
  });

  it("'max': the sub-token with the highest top probability decides the word", () => {
    // smithson: ##son's 0.7 beats smith's 0.6 → I-LOC 0.7, which does not continue the PER group.
    const got = aggregateEntities(tokens(), 'max', options);
    expect(got.map((g) => [g.entity_group, g.word, g.start, g.end, g.score])).toEqual([
      ['PER', 'john', 0, 4, 0.7],
      ['LOC', 'smithson', 5, 13, 0.7],
      ['LOC', 'paris', 23, 28, 0.6],
    ]);
  });

  it('ignoreLabels applies to labels (none) and to group names (others)', () => {
    expect(aggregateEntities(tokens(), 'none', { ...options, ignoreLabels: ['O', 'I-LOC', 'B-LOC'] }).map((e) => e.word)).toEqual(['john', 'smith']);
    const withO = aggregateEntities(tokens(), 'first', { ...options, ignoreLabels: [] });
    expect(withO.map((g) => [g.entity_group, g.word, g.start, g.end])).toEqual([
      ['PER', 'john smithson', 0, 13],
      ['O', 'lives in', 14, 22],
      ['LOC', 'paris', 23, 28],
    ]);
    expect(withO[1]!.score).toBeCloseTo((0.9 + 0.8) / 2, 12);
    // Group names have no B-/I- prefix, so a label name does not filter groups.
    expect(aggregateEntities(tokens(), 'simple', { ...options, ignoreLabels: ['O', 'B-LOC'] }).map((g) => g.entity_group)).toEqual(['PER', 'LOC', 'LOC']);
  });

  it('labels without B-/I- prefixes merge while equal; B-B does not merge; ties pick the first label', () => {
    const plain = ['O', 'PER'];
    const rows = [[0.2, 0.8], [0.4, 0.6], [0.5, 0.5], [0.3, 0.7]];
    const toks = rows.map((scores, i) => ({ word: `w${i}`, start: 3 * i, end: 3 * i + 2, isSubword: false, scores, index: i + 1 }));
    const got = aggregateEntities(toks, 'simple', { id2label: plain, tokensToString });
    // [0.5, 0.5] is a tie → 'O' (the first), which splits the PER run in two.
    expect(got.map((g) => [g.entity_group, g.word, g.start, g.end])).toEqual([
      ['PER', 'w0 w1', 0, 5],
      ['PER', 'w3', 9, 11],
    ]);
    expect(got[0]!.score).toBeCloseTo(0.7, 12);
    const bb = [0, 1].map((i) => ({ word: `w${i}`, start: 3 * i, end: 3 * i + 2, isSubword: false, scores: [0, 1, 0, 0, 0], index: i + 1 }));
    expect(aggregateEntities(bb, 'simple', options).map((g) => g.word)).toEqual(['w0', 'w1']);
  });

  it('mergeOverlappingEntities: by start, an overlapping entity wins when longer, or as long and more likely', () => {
    const e = (start: number, end: number, score: number) => ({ start, end, score, word: `${start}-${end}` });
    // Windows found [0,4) and [2,9) (overlap: the longer wins), [10,14) twice (the higher score wins), [20,22).
    const got = mergeOverlappingEntities([e(10, 14, 0.5), e(0, 4, 0.9), e(20, 22, 0.1), e(2, 9, 0.2), e(10, 14, 0.6), e(12, 13, 0.99)]);
    expect(got).toEqual([e(2, 9, 0.2), e(10, 14, 0.6), e(20, 22, 0.1)]); // [12,13) lies inside [10,14) and is shorter
    expect(mergeOverlappingEntities([])).toEqual([]);
  });

  it('no tokens → no entities', () => {
    for (const strategy of ['none', 'simple', 'first', 'average', 'max'] as const) expect(aggregateEntities([], strategy, options)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------------
// End to end: the bert-tokencls fixture checkpoint through pipeline('token-classification'), against a
// float64 re-computation written here from the model's logits on each text alone (no padding).

const FIXTURE = fixture('heads/bert-tokencls');
const TEXTS = [
  'John Smithson lives in Paris near the river.',
  'Zoë Ångström visited 東京 😀 café\u0301 in New York.',
  'Where does the owner live?',
];

interface Expected {
  label: string;
  score: number;
  word: string;
  start: number;
  end: number;
  index?: number;
}

/** Reference for one text: per-token float64 softmax, then words, labels and B-/I- groups as HF describes them. */
async function reference(
  model: BertForTokenClassification | GPT2ForTokenClassification,
  tokenizer: Tokenizer,
  text: string,
  strategy: AggregationStrategy,
  enc: Encoding = tokenizer.encode(text, { truncation: true, maxLength: 64 }),
): Promise<Expected[]> {
  const { logits } = model instanceof BertForTokenClassification ? await model.forward({ inputIds: [enc.ids], tokenTypeIds: [enc.typeIds] }) : await model.forward({ inputIds: [enc.ids] });
  const C = id2label.length;
  const probs = enc.ids.map((_, t) => {
    const row = Array.from(logits.data.subarray(t * C, (t + 1) * C), Number);
    const exps = row.map((x) => Math.exp(x - Math.max(...row)));
    return exps.map((e) => e / exps.reduce((a, b) => a + b));
  });
  const best = (p: number[]) => p.indexOf(Math.max(...p));
  // Words are joined by the tokenizer's own decoder (HF's convert_tokens_to_string), with its " ?" → "?" clean-up.
  const join = (tokens: string[]) => decodeTokens(tokenizer.decoder!, tokens);
  const kept = enc.ids.map((_, t) => t).filter((t) => enc.specialTokensMask[t] === 0);
  const word = (t: number) => (enc.ids[t] === tokenizer.specialTokens.unk?.id ? text.slice(...enc.offsets[t]!) : enc.tokens[t]!);
  const tokenUnit = (t: number): Expected => ({ label: id2label[best(probs[t]!)]!, score: Math.max(...probs[t]!), word: word(t), start: enc.offsets[t]![0], end: enc.offsets[t]![1], index: t });
  if (strategy === 'none') return kept.map(tokenUnit);
  let units: Expected[];
  if (strategy === 'simple') {
    units = kept.map(tokenUnit);
  } else {
    const byWord = new Map<number, number[]>();
    for (const t of kept) byWord.set(enc.wordIds[t]!, [...(byWord.get(enc.wordIds[t]!) ?? []), t]);
    units = [...byWord.values()].map((ts) => {
      let p: number[];
      if (strategy === 'first') p = probs[ts[0]!]!;
      else if (strategy === 'average') p = probs[0]!.map((_, c) => ts.reduce((sum, t) => sum + probs[t]![c]!, 0) / ts.length);
      else p = probs[ts.reduce((a, t) => (Math.max(...probs[t]!) > Math.max(...probs[a]!) ? t : a))]!;
      return { label: id2label[best(p)]!, score: Math.max(...p), word: join(ts.map(word)), start: enc.offsets[ts[0]!]![0], end: enc.offsets[ts.at(-1)!]![1] };
    });
  }
  const groups: Expected[][] = [];
  for (const unit of units) {
    const tag = unit.label.replace(/^[BI]-/, '');
    const last = groups.at(-1)?.at(-1);
    if (last && last.label.replace(/^[BI]-/, '') === tag && !unit.label.startsWith('B-')) groups.at(-1)!.push(unit);
    else groups.push([unit]);
  }
  return groups.map((g) => ({
    label: g[0]!.label.replace(/^[BI]-/, ''),
    score: g.reduce((sum, u) => sum + u.score, 0) / g.length,
    word: join(g.map((u) => u.word)),
    start: g[0]!.start,
    end: g.at(-1)!.end,
  }));
}

function normalise(entities: readonly (TokenEntity | EntityGroup)[]): Expected[] {
  return entities.map((e) => ('entity_group' in e ? { label: e.entity_group, score: e.score, word: e.word, start: e.start, end: e.end } : { label: e.entity, score: e.score, word: e.word, start: e.start, end: e.end, index: e.index }));
}

function expectEntities(got: readonly (TokenEntity | EntityGroup)[], want: readonly Expected[]) {
  const g = normalise(got);
  expect(g.map(({ score: _, ...rest }) => rest)).toEqual(want.map(({ score: _, ...rest }) => rest));
  g.forEach((e, i) => expect(Math.abs(e.score - want[i]!.score)).toBeLessThan(1e-5));
}

describe.each(ENGINES)('token-classification on $name', ({ name, create }) => {
  let backend: Backend;
  let model: BertForTokenClassification;
  let tokenizer: Tokenizer;
  let ner: TokenClassificationPipeline;
  beforeAll(async () => {
    backend = await create();
    model = await BertForTokenClassification.fromPretrained(FIXTURE, { backend });
    tokenizer = tinyBertTokenizer();
    ner = await pipeline('token-classification', { model, tokenizer });
  });
  afterAll(async () => {
    ner.dispose();
    model.dispose();
    await backend.dispose();
  });

  it.each(['none', 'simple', 'first', 'average', 'max'] as const)("aggregationStrategy '%s' matches the float64 re-computation (batched, O kept)", async (strategy) => {
    const got = (await ner(TEXTS, { aggregationStrategy: strategy, ignoreLabels: [] })) as (TokenEntity | EntityGroup)[][];
    for (const [i, text] of TEXTS.entries()) expectEntities(got[i]!, await reference(model, tokenizer, text, strategy));
  });

  it('offsets index the original string: accents, CJK, emoji ([UNK]) and decomposed accents', async () => {
    const text = TEXTS[1]!;
    const tokens = (await ner(text, { ignoreLabels: [] })) as TokenEntity[];
    const slices = tokens.map((t) => text.slice(t.start, t.end));
    expect(slices.slice(0, 3)).toEqual(['Z', 'o', 'ë']);
    expect(tokens.slice(0, 3).map((t) => t.word)).toEqual(['z', '##o', '##e']);
    expect(slices).toContain('東');
    const unknown = tokens.find((t) => t.index === tokens.find((u) => text.slice(u.start, u.end) === '😀')!.index)!;
    expect(unknown.word).toBe('😀'); // HF: an unknown token's word is the text it covers
    expect(unknown.end - unknown.start).toBe(2); // two UTF-16 code units
    const words = (await ner(text, { aggregationStrategy: 'first', ignoreLabels: [] })) as EntityGroup[];
    for (const g of words) expect(g.start).toBeLessThan(g.end);
    // Groups cover the text's words in order, ending at the final '.'.
    expect(words.at(-1)!.end).toBe(text.length);
  });

  it('ignoreLabels defaults to O; the alias ner is the same task; long texts are truncated to the position table', async () => {
    const all = (await ner(TEXTS[0]!, { ignoreLabels: [] })) as TokenEntity[];
    const defaults = (await ner(TEXTS[0]!)) as TokenEntity[];
    expect(defaults).toEqual(all.filter((e) => e.entity !== 'O'));
    const alias = await pipeline('ner', { model, tokenizer });
    expect(await alias(TEXTS[0]!)).toEqual(defaults);
    const long = Array.from({ length: 40 }, (_, i) => `word${i}`).join(' ');
    const got = (await ner(long, { ignoreLabels: [] })) as TokenEntity[];
    expect(got.length).toBe(62); // 64 positions − [CLS] − [SEP]
    expectEntities(got, await reference(model, tokenizer, long, 'none'));
  });

  it('stride: a text longer than the position table in overlapping windows, entities merged as HF', async () => {
    const long = `${TEXTS[0]} ${Array.from({ length: 12 }, (_, i) => `Paris and New York in ${1900 + 7 * i}.`).join(' ')} ${TEXTS[1]}`;
    const first = tokenizer.encode(long, { truncation: true, maxLength: 64, stride: 16, returnOverflowing: true });
    const windows = [first, ...first.overflowing];
    expect(windows.length).toBeGreaterThanOrEqual(3);
    for (const strategy of ['simple', 'first', 'max'] as const) {
      const found = (await Promise.all(windows.map((w) => reference(model, tokenizer, long, strategy, w)))).flat();
      // HF's aggregate_overlapping_entities, written out: sorted by start, an overlap keeps the longer (then likelier) one.
      const want: Expected[] = [];
      for (const x of [...found].sort((a, b) => a.start - b.start)) {
        const last = want.at(-1);
        if (!last || x.start >= last.end) want.push(x);
        else if (x.end - x.start > last.end - last.start || (x.end - x.start === last.end - last.start && x.score > last.score)) want[want.length - 1] = x;
      }
      const got = (await ner(long, { aggregationStrategy: strategy, ignoreLabels: [], stride: 16, batchSize: 2 })) as EntityGroup[];
      expectEntities(got, want);
      expect(got.at(-1)!.end).toBe(long.length); // the last window reaches the end of the text
    }
  });

  it.runIf(name === HOST_SIDE_ENGINE)('bad input and options are typed errors naming them', async () => {
    await expect(ner('')).rejects.toThrow(InputError);
    await expect(ner('ok', { stride: 8 })).rejects.toThrow(/stride needs an aggregationStrategy other than 'none'/);
    await expect(ner('ok', { aggregationStrategy: 'first', stride: 62 })).rejects.toThrow(/stride 62 does not fit in the model's 64 positions/);
    await expect(ner('ok', { aggregationStrategy: 'first', stride: -1 })).rejects.toThrow(UnsupportedError);
    await expect(ner(['ok', '  '])).rejects.toThrow(/inputs\[1\] is empty/);
    await expect(ner(42 as never)).rejects.toThrow(InputError);
    await expect(ner('ok', { aggregationStrategy: 'longest' as never })).rejects.toThrow(/aggregationStrategy must be one of none, simple, first, average, max/);
    await expect(ner('ok', { ignoreLabels: 'O' as never })).rejects.toThrow(UnsupportedError);
    await expect(ner('ok', { window: 8 } as never)).rejects.toThrow(/window/);
  });

  it('GPT2ForTokenClassification: byte-level tokens, words from the pre-tokenizer, one row at a time (no pad id)', async () => {
    const gpt2 = await GPT2ForTokenClassification.fromPretrained(fixture('heads/gpt2-tokencls'), { backend });
    const bpe = gpt2TinyTokenizer();
    const gptNer = await pipeline('ner', { model: gpt2, tokenizer: bpe });
    for (const strategy of ['none', 'simple', 'first', 'average', 'max'] as const) {
      const got = (await gptNer(TEXTS, { aggregationStrategy: strategy, ignoreLabels: [] })) as (TokenEntity | EntityGroup)[][];
      for (const [i, text] of TEXTS.entries()) expectEntities(got[i]!, await reference(gpt2, bpe, text, strategy));
    }
    const tokens = (await gptNer(TEXTS[0]!, { ignoreLabels: [] })) as TokenEntity[];
    // Byte-level tokens as the vocabulary spells them; this tokenizer's offsets include the leading space.
    expect(tokens.slice(3, 7).map((t) => [t.word, TEXTS[0]!.slice(t.start, t.end)])).toEqual([['n', 'n'], ['ĠS', ' S'], ['m', 'm'], ['ith', 'ith']]);
    const words = (await gptNer(TEXTS[0]!, { aggregationStrategy: 'first', ignoreLabels: [] })) as EntityGroup[];
    expect(words.map((g) => g.word).join('')).toBe(TEXTS[0]); // the byte-level decoder restores the spaces
    gpt2.dispose();
  });

  it('leaves no tensors, states or sessions behind', async () => {
    await ner(TEXTS, { aggregationStrategy: 'average' });
    const after = counts(backend);
    for (let i = 0; i < 5; i++) await ner(TEXTS, { aggregationStrategy: 'simple' });
    await expect(ner('')).rejects.toThrow(InputError);
    expect(counts(backend)).toEqual(after);
  });
});
