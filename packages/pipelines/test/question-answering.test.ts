/**
 * Hugging Face's question-answering span selection on hand-made logits: the logits are logs of small
 * weights, so every probability and score below is a fraction worked out by hand.
 */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertForQuestionAnswering } from '@attnjs/bert';
import { type Backend, InputError, UnsupportedError } from '@attnjs/core';
import type { Encoding, Tokenizer } from '@attnjs/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Answer, type AnswerWindow, selectAnswers, windowSpans } from '../src/answer-spans.js';
import { pipeline } from '../src/pipeline.js';
import type { QuestionAnsweringPipeline } from '../src/tasks/question-answering.js';
import { ENGINES, HOST_SIDE_ENGINE, counts, fixture } from './helpers.js';
import { tinyBertTokenizer, tinyBertVocab } from './subword-tokenizer.js';

const ln = Math.log;
const defaults = { topK: 1, maxAnswerLen: 15, handleImpossibleAnswer: false, alignToWords: true };

/**
 * [CLS] q [SEP] ab cd ef [SEP] over the context "ab cd ef". Allowed: [CLS] and the three context tokens.
 * Start weights 1 | 2 1 1 → p = 0.2 | 0.4 0.2 0.2; end weights 2 | 1 1 6 → p = 0.2 | 0.1 0.1 0.6.
 * The question and [SEP] logits are 50: a pipeline that forgot to mask them would put all mass there.
 */
function window(): AnswerWindow {
  return {
    startLogits: [ln(1), 50, 50, ln(2), ln(1), ln(1), 50],
    endLogits: [ln(2), 50, 50, ln(1), ln(1), ln(6), 50],
    allowed: [true, false, false, true, true, true, false],
    clsIndex: 0,
    offsets: [[0, 0], [0, 1], [0, 0], [0, 2], [3, 5], [6, 8], [0, 0]],
    wordIds: [null, 0, null, 0, 1, 2, null],
    sequenceIds: [null, 0, null, 1, 1, 1, null],
  };
}
const context = 'ab cd ef';

describe('windowSpans', () => {
  it('scores p_start · p_end over start ≤ end < start + maxAnswerLen, [CLS] excluded', () => {
    const { spans, nullScore } = windowSpans(window(), 100, 15);
    expect(nullScore).toBeCloseTo(0.2 * 0.2, 12);
    const want: [number, number, number][] = [
      [3, 5, 0.4 * 0.6], [4, 5, 0.2 * 0.6], [5, 5, 0.2 * 0.6], [3, 3, 0.4 * 0.1], [3, 4, 0.4 * 0.1], [4, 4, 0.2 * 0.1],
    ];
    expect(spans.map((s) => [s.start, s.end])).toEqual(want.map(([s, e]) => [s, e]));
    spans.forEach((s, i) => expect(s.score).toBeCloseTo(want[i]![2], 12));
  });

  it('maxAnswerLen caps the span length in tokens; count caps the list', () => {
    const { spans } = windowSpans(window(), 2, 2);
    expect(spans.map((s) => [s.start, s.end])).toEqual([[4, 5], [5, 5]]);
  });
});

describe('selectAnswers', () => {
  it('returns the best span as a slice of the context', () => {
    expect(selectAnswers(context, [window()], defaults)).toEqual([{ score: expect.closeTo(0.24, 12), start: 0, end: 8, answer: 'ab cd ef' }]);
  });

  it('topK lists the answers best first; maxAnswerLen drops long ones', () => {
    const got = selectAnswers(context, [window()], { ...defaults, topK: 3, maxAnswerLen: 1, alignToWords: false });
    expect(got.map((a) => [a.answer, a.start, a.end])).toEqual([['ef', 6, 8], ['ab', 0, 2], ['cd', 3, 5]]);
    got.forEach((a, i) => expect(a.score).toBeCloseTo([0.12, 0.04, 0.02][i]!, 12));
  });

  it('handleImpossibleAnswer: the [CLS] product competes as the answer ""', () => {
    const w = window();
    // [CLS] start weight 1 → 7: p_start = 7/11 at [CLS], 2/11 1/11 1/11 on ab cd ef; end as before.
    const clsHeavy: AnswerWindow = { ...w, startLogits: [ln(7), ...Array.from(w.startLogits).slice(1)] };
    const got = selectAnswers(context, [clsHeavy], { ...defaults, topK: 2, handleImpossibleAnswer: true });
    expect(got.map((a) => [a.answer, a.start, a.end])).toEqual([['', 0, 0], ['ab cd ef', 0, 8]]);
    expect(got[0]!.score).toBeCloseTo((7 / 11) * 0.2, 12);
    expect(got[1]!.score).toBeCloseTo((2 / 11) * 0.6, 12);
    // Without the flag the null answer never appears.
    expect(selectAnswers(context, [clsHeavy], defaults)[0]!.answer).toBe('ab cd ef');
  });

  it('aligns spans to whole words and adds up spans that give the same text', () => {
    // "zoe lives": zo ##e | lives; every span inside "zoe" widens to "zoe".
    const w: AnswerWindow = {
      startLogits: [ln(1), 0, ln(1), ln(1), ln(3)],
      endLogits: [ln(1), 0, ln(2), ln(1), ln(1)],
      allowed: [true, false, true, true, true],
      clsIndex: 0,
      offsets: [[0, 0], [0, 0], [0, 2], [2, 3], [4, 9]],
      wordIds: [null, null, 0, 0, 1],
      sequenceIds: [null, null, 1, 1, 1],
    };
    // p_start = 1/6 | 1/6 1/6 3/6; p_end = 1/5 | 2/5 1/5 1/5.
    const got = selectAnswers('zoe lives', [w], { ...defaults, topK: 3 });
    expect(got.map((a) => [a.answer, a.start, a.end])).toEqual([['zoe', 0, 3], ['lives', 4, 9], ['zoe lives', 0, 9]]);
    // zoe: (zo,zo) 2/30 + (zo,##e) 1/30 + (##e,##e) 1/30; lives: 3/30; "zoe lives": (zo,lives) + (##e,lives) = 2/30.
    got.forEach((a, i) => expect(a.score).toBeCloseTo([4 / 30, 3 / 30, 2 / 30][i]!, 12));
    const raw = selectAnswers('zoe lives', [w], { ...defaults, topK: 3, alignToWords: false });
    // lives 3/30, zo 2/30, then the 1/30 ties in (start, end) order: (zo, ##e) first.
    expect(raw.map((a) => [a.answer, a.start, a.end])).toEqual([['lives', 4, 9], ['zo', 0, 2], ['zoe', 0, 3]]);
  });

  it('over several windows: same answers add up, the null answer takes the smallest [CLS] product', () => {
    const a = window(); // null 0.04; best "ab cd ef" 0.24
    // A second window over the same words: start weights 3 | 1 1 5 (p 0.3 | 0.1 0.1 0.5); end as in a.
    const b = { ...a, startLogits: [ln(3), 50, 50, ln(1), ln(1), ln(5), 50] } as AnswerWindow;
    const got = selectAnswers(context, [a, b], { ...defaults, topK: 2, handleImpossibleAnswer: true });
    // ef: 0.12 (a) + 0.5·0.6 = 0.30 (b) = 0.42; "ab cd ef": 0.24 (a) + 0.1·0.6 (b) = 0.30; null min(0.04, 0.06) = 0.04.
    expect(got.map((x) => x.answer)).toEqual(['ef', 'ab cd ef']);
    expect(got[0]!.score).toBeCloseTo(0.42, 12);
    expect(got[1]!.score).toBeCloseTo(0.3, 12);
    const withNull = selectAnswers(context, [a, b], { ...defaults, topK: 20, handleImpossibleAnswer: true });
    expect(withNull.find((x) => x.answer === '')!.score).toBeCloseTo(0.04, 12);
  });
});

// ---------------------------------------------------------------------------------------------------
// End to end: the bert-qa fixture checkpoint (64 positions) through pipeline('question-answering'),
// against a float64 re-computation written here from the model's logits on each window run alone.

const FIXTURE = fixture('heads/bert-qa');
const QUESTION = 'Where does the king live?';

/**
 * A context of about 240 tokens (over 3× the 64-position table): plain sentences of common words, then a
 * last one with the only long, many-sub-token word, which this random model's spans favour.
 */
const LONG_CONTEXT = `${Array.from({ length: 14 }, (_, i) => {
  const subjects = ['The owner', 'A man', 'His sister', 'The city council', 'Our team', 'The old river'];
  const verbs = ['lives near', 'works in', 'visited', 'was born in', 'moved to', 'wrote about'];
  const places = ['the city', 'New York', 'the north', 'a small house', '東京', 'the old school'];
  return `${subjects[i % 6]} ${verbs[(i * 5) % 6]} ${places[(i * 7) % 6]} in ${1900 + 3 * i}.`;
}).join(' ')} The owner lives in Ångströmsville.`;

interface Ref {
  answer: string;
  start: number;
  end: number;
  score: number;
}

interface RefOptions {
  topK: number;
  maxAnswerLen: number;
  handleImpossibleAnswer: boolean;
  alignToWords: boolean;
  maxSeqLen: number;
  docStride: number;
}

/** HF's question answering, spelled out: windows, masked softmaxes, every span scored, merged by text. */
async function referenceAnswers(model: BertForQuestionAnswering, tokenizer: Tokenizer, question: string, context: string, o: RefOptions) {
  const first = tokenizer.encode(question, { pair: context, truncation: 'only_second', maxLength: o.maxSeqLen, stride: o.docStride, returnOverflowing: true });
  const windows = [first, ...first.overflowing];
  const found: Ref[] = [];
  let nullScore = Infinity;
  for (const w of windows) {
    const out = await model.forward({ inputIds: [w.ids], tokenTypeIds: [w.typeIds] });
    const inContext = (k: number) => w.sequenceIds[k] === 1;
    const probabilities = (logits: Float32Array) => {
      const x = w.ids.map((_, k) => (inContext(k) || k === 0 ? logits[k]! : -10000));
      const exps = x.map((v) => Math.exp(v - Math.max(...x)));
      return exps.map((e) => e / exps.reduce((a, b) => a + b));
    };
    const pStart = probabilities(out.startLogits.data);
    const pEnd = probabilities(out.endLogits.data);
    nullScore = Math.min(nullScore, pStart[0]! * pEnd[0]!);
    const spans: { s: number; e: number; score: number }[] = [];
    for (let s = 1; s < w.ids.length; s++) {
      for (let e = s; e < Math.min(w.ids.length, s + o.maxAnswerLen); e++) if (inContext(s) && inContext(e)) spans.push({ s, e, score: pStart[s]! * pEnd[e]! });
    }
    spans.sort((a, b) => b.score - a.score);
    const wordTokens = (k: number) => w.ids.map((_, j) => j).filter((j) => inContext(j) && w.wordIds[j] === w.wordIds[k]);
    for (const { s, e, score } of spans.slice(0, o.alignToWords ? 2 * o.topK + 10 : o.topK)) {
      const start = w.offsets[o.alignToWords ? wordTokens(s)[0]! : s]![0];
      const end = w.offsets[o.alignToWords ? wordTokens(e).at(-1)! : e]![1];
      const answer = context.slice(start, end);
      const same = found.find((f) => f.answer.toLowerCase() === answer.toLowerCase());
      if (same) same.score += score;
      else found.push({ answer, start, end, score });
    }
  }
  if (o.handleImpossibleAnswer) found.push({ answer: '', start: 0, end: 0, score: nullScore });
  found.sort((a, b) => b.score - a.score);
  return { answers: found.slice(0, o.topK), windows };
}

function expectAnswers(got: readonly Answer[], want: readonly Ref[]) {
  expect(got.map(({ score: _, ...rest }) => rest)).toEqual(want.map(({ score: _, ...rest }) => rest));
  got.forEach((a, i) => expect(Math.abs(a.score - want[i]!.score)).toBeLessThan(1e-5));
}

const BASE: RefOptions = { topK: 1, maxAnswerLen: 15, handleImpossibleAnswer: false, alignToWords: true, maxSeqLen: 64, docStride: 32 };

describe.each(ENGINES)('question-answering on $name', ({ name, create }) => {
  // The options and errors are host-side logic: one engine checks them, every engine checks the answers.
  const hostSide = it.runIf(name === HOST_SIDE_ENGINE);
  let backend: Backend;
  let model: BertForQuestionAnswering;
  let tokenizer: Tokenizer;
  let qa: QuestionAnsweringPipeline;
  beforeAll(async () => {
    backend = await create();
    model = await BertForQuestionAnswering.fromPretrained(FIXTURE, { backend });
    tokenizer = tinyBertTokenizer();
    qa = await pipeline('question-answering', { model, tokenizer });
  });
  afterAll(async () => {
    qa.dispose();
    model.dispose();
    await backend.dispose();
  });

  it('a context over three times the position table: windows with stride, the answer from the last window', async () => {
    const question = QUESTION;
    const { answers, windows } = await referenceAnswers(model, tokenizer, question, LONG_CONTEXT, BASE);
    expect(tokenizer.encode(LONG_CONTEXT).ids.length).toBeGreaterThan(3 * 64);
    expect(windows.length).toBeGreaterThanOrEqual(5);
    const got = (await qa({ question, context: LONG_CONTEXT })) as Answer;
    expectAnswers([got], answers);
    expect(LONG_CONTEXT.slice(got.start, got.end)).toBe(got.answer);
    // The answer lies in the last window, and no earlier window holds all of it.
    const contextSpan = (w: Encoding) => {
      const offsets = w.offsets.filter((_, k) => w.sequenceIds[k] === 1);
      return [offsets[0]![0], offsets.at(-1)![1]] as const;
    };
    const [lastStart] = contextSpan(windows.at(-1)!);
    const [, coveredBefore] = contextSpan(windows.at(-2)!);
    expect(got.start).toBeGreaterThanOrEqual(lastStart);
    expect(got.end).toBeGreaterThan(coveredBefore);
    expect(got.answer).toBe('Ångströmsville');
  });

  hostSide('topK, maxAnswerLen, alignToWords, handleImpossibleAnswer, maxSeqLen and docStride match the re-computation', async () => {
    const settings: Partial<RefOptions>[] = [
      { topK: 5 },
      { topK: 4, maxAnswerLen: 2, alignToWords: false },
      { topK: 3, handleImpossibleAnswer: true },
      { topK: 2, maxSeqLen: 48, docStride: 10 },
    ];
    for (const s of settings) {
      const o = { ...BASE, ...s };
      const { answers } = await referenceAnswers(model, tokenizer, QUESTION, LONG_CONTEXT, o);
      const got = (await qa({ question: QUESTION, context: LONG_CONTEXT }, s)) as Answer[];
      expectAnswers(got, answers);
      if (!o.alignToWords) for (const a of got) expect(tokenizer.encode(a.answer, { addSpecialTokens: false }).ids.length).toBeLessThanOrEqual(2);
    }
  });

  it('several questions are batched with padding: lists, one context for many questions, short contexts', async () => {
    const pairs = [
      { question: 'Who lives near the river?', context: 'John Smithson lives near the river in Paris.' },
      { question: 'Where?', context: 'Zoë visited 東京 😀 and then New York.' },
      { question: 'When was the owner born in the north?', context: LONG_CONTEXT },
    ];
    const got = (await qa(pairs, { batchSize: 3 })) as Answer[];
    for (const [i, { question, context }] of pairs.entries()) expectAnswers([got[i]!], (await referenceAnswers(model, tokenizer, question, context, BASE)).answers);
    const many = (await qa({ question: [pairs[0]!.question, pairs[1]!.question], context: pairs[0]!.context })) as Answer[];
    expect(many.length).toBe(2);
    expectAnswers([many[1]!], (await referenceAnswers(model, tokenizer, pairs[1]!.question, pairs[0]!.context, BASE)).answers);
  });

  hostSide('bad input and options are typed errors naming them', async () => {
    const context = 'John lives in Paris.';
    await expect(qa({ question: '', context })).rejects.toThrow(/inputs.question is empty/);
    await expect(qa({ question: 'Who?', context: ' ' })).rejects.toThrow(/inputs.context is empty/);
    await expect(qa([{ question: 'Who?', context }, { question: 'Who?', context: '' }])).rejects.toThrow(/inputs\[1\]\.context is empty/);
    await expect(qa({ question: ['a', 'b'], context: ['c'] })).rejects.toThrow(InputError);
    await expect(qa({ question: ['Who?', ''], context })).rejects.toThrow(/inputs\.question\[1\] is empty/);
    await expect(qa('Who?' as never)).rejects.toThrow(InputError);
    await expect(qa({ question: 'Who?', context }, { topK: 0 })).rejects.toThrow(/topK must be an integer ≥ 1/);
    await expect(qa({ question: 'Who?', context }, { maxSeqLen: 65 })).rejects.toThrow(/maxSeqLen 65 is longer than the model's position table \(64\)/);
    await expect(qa({ question: 'Who?', context }, { docStride: 70 })).rejects.toThrow(UnsupportedError);
    await expect(qa({ question: 'Who?', context }, { maxQuestionLen: 8 } as never)).rejects.toThrow(/maxQuestionLen/);
    await expect(qa({ question: 'who '.repeat(70), context })).rejects.toThrow(InputError);
  });

  hostSide('loads BertForQuestionAnswering and its tokenizer from a model folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attn-qa-'));
    for (const file of ['config.json', 'model.safetensors']) copyFileSync(join(FIXTURE, file), join(dir, file));
    writeFileSync(join(dir, 'vocab.txt'), tinyBertVocab());
    const fromFolder = await pipeline('question-answering', dir, { backend, topK: 2 });
    expect(fromFolder.model).toBeInstanceOf(BertForQuestionAnswering);
    const input = { question: QUESTION, context: LONG_CONTEXT };
    expect(await fromFolder(input)).toEqual(await qa(input, { topK: 2 }));
    fromFolder.dispose();
    rmSync(dir, { recursive: true });
  });

  it('leaves no tensors, states or sessions behind', async () => {
    await qa({ question: QUESTION, context: LONG_CONTEXT });
    const after = counts(backend);
    await qa({ question: QUESTION, context: LONG_CONTEXT }, { topK: 3, handleImpossibleAnswer: true });
    await expect(qa({ question: '', context: 'x' })).rejects.toThrow(InputError);
    expect(counts(backend)).toEqual(after);
  });
});
