/**
 * Question answering on short contexts (one window) against transformers.js 4.3 and Hugging Face's Python
 * pipeline. transformers.js's QuestionAnsweringPipeline puts −∞ on the question, padding and every special
 * id's logits ([SEP], and [UNK] too), keeps [CLS] in the softmax and then zeroes its probability, scores
 * every span start ≤ end by p_start · p_end with no maximum length, and returns the best span's tokens
 * decoded (no offsets). Hugging Face's Python pipeline (question_answering.py: `select_starts_ends`,
 * `decode_spans`, `postprocess`) puts −10000 on everything outside the context but [CLS], so [UNK] context
 * tokens stay in; it limits answers to `max_answer_len` tokens, widens them to words (`align_to_words`),
 * adds up the scores of the best 2·top_k + 10 spans that give the same text, and slices the context.
 *
 * Per (question, context), from the start and end logits of the exported model as transformers.js runs it,
 * in float64: HF's best span and score, and transformers.js's. transformers.js must answer its span decoded,
 * with its score; both spans must agree unless HF's starts or ends on [UNK]; attn.js must give HF's span as
 * character offsets with HF's score (alignToWords false and maxAnswerLen above the window, the settings
 * under which HF and transformers.js mean the same thing), and with its default options HF's default answer,
 * on every Node engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrtBackend } from '@attnjs/backend-ort';
import { type Answer, pipeline } from '@attnjs/pipelines';
import type { Encoding } from '@attnjs/tokenizers';
import { env, pipeline as theirPipeline } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBertVocabHead } from './bert-vocab-heads.js';
import { USER_ENGINES } from './engines.js';

/** 24 short (question, context) pairs: accents, emoji, CJK, digits, punctuation, casing. */
const PAIRS: readonly [string, string][] = [
  ['Who wrote the letter?', 'The letter was written by Marie Curie in Paris in 1903.'],
  ['Where does Zoë live?', 'Zoë lives in Zürich, near the lake, with her cat Chloé.'],
  ['What did they eat?', 'They ate crème brûlée and a croissant at the café.'],
  ['Which city is the capital?', '東京は日本の首都です。 Tokyo is the capital of Japan.'],
  ['What is big?', '北京和上海是中国的大城市。'],
  ['What is the capital of Korea?', '서울은 한국의 수도입니다. Seoul is large.'],
  ['What made her happy?', 'The emoji 😀 and 🎉 made her happy 🚀 yesterday.'],
  ['When was he born?', 'Barack Obama was born on August 4, 1961, in Honolulu, Hawaii.'],
  ['Where did Apple open a store?', 'Apple Inc. opened a store on 5th Avenue in New York.'],
  ['Who visited?', "Dr. Jane O'Neill-Smith visited the U.S.A. in 1999..."],
  ['How can I reach you?', 'e-mail me at someone@example.com or call 555-0123'],
  ['WHY?', 'WHY ARE YOU SHOUTING??? Because the music is LOUD.'],
  ['ok?', 'ok'],
  ['What is long?', 'Antidisestablishmentarianism is a remarkably long word.'],
  ['Who reëlected the designer?', 'The naïve coöperative reëlected its façade designer.'],
  ['Which cities?', 'Mixing scripts: Paris, 東京, Москва and القاهرة.'],
  ['What is pi?', 'Numbers like 3.14159 and 2,718 appear in math.'],
  ['What did she say?', 'She said, "Don\'t go!" — but he went anyway.'],
  ['Where are the spaces?', 'Tabs\tand  double  spaces   are whitespace.'],
  ['Who walks into a bar?', 'A résumé, a fiancée and a piñata walk into a bar.'],
  ['Who is last?', 'The last sentence of the list is about Zoë and Chloé.'],
  ['How much did it cost?', 'The ticket to São Paulo cost R$ 1.299,00 — expensive!'],
  ['Was ist das?', 'Ich möchte ein Glas Wasser, bitte. Das ist gut.'],
  ['Who won?', 'In the final, Spain 🇪🇸 beat England 2–1 in Berlin.'],
];

const TOLERANCE = 1e-5;
/** Longer than any window here: transformers.js has no answer-length limit. */
const NO_LENGTH_LIMIT = 128;
const UNK = 100;
const CLS = 101;
const SEP = 102;

const root = mkdtempSync(join(tmpdir(), 'attn-qa-tjs-'));
let folder: string;
// biome-ignore lint: transformers.js pipelines are loosely typed
let theirs: any;

interface Span {
  /** Token indices of the span in [CLS] question [SEP] context [SEP]. */
  readonly start: number;
  readonly end: number;
  readonly score: number;
}

interface Expected {
  readonly ids: number[];
  /** Hugging Face's best span and score. */
  readonly hf: Span;
  /** Hugging Face's start and end probabilities ([CLS] zeroed after the softmax) and where a span may lie. */
  readonly hfProbabilities: { readonly start: number[]; readonly end: number[]; readonly allowed: boolean[] };
  /** The same with [UNK] tokens masked too, as transformers.js masks every special id. */
  readonly tjs: Span;
  /** transformers.js's answer for the pair, as it returned it. */
  readonly theirs: { answer: string; score: number };
}
const expected: Expected[] = [];
/** The largest |Δ| seen per comparison, printed at the end. */
const worst: Record<string, number> = {};
const note = (what: string, delta: number) => {
  worst[what] = Math.max(worst[what] ?? 0, delta);
};

/** HF's masked softmax in float64: −10000 on every position but [CLS] and the context's tokens. */
function maskedSoftmax(logits: Float32Array, allowed: boolean[]): number[] {
  const x = Array.from(logits, (v, k) => (allowed[k] ? v : -10000));
  const max = Math.max(...x);
  const exps = x.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** HF's `select_starts_ends` for one window: [CLS] in the softmax, then its probability zeroed. */
function probabilities(startLogits: Float32Array, endLogits: Float32Array, allowed: boolean[]) {
  const [start, end] = [maskedSoftmax(startLogits, allowed), maskedSoftmax(endLogits, allowed)];
  start[0] = end[0] = 0;
  return { start, end, allowed };
}

/** HF's `decode_spans`: every span start ≤ end < start + maxAnswerLen inside the context, best first (stable). */
function rankedSpans(p: Expected['hfProbabilities'], maxAnswerLen: number): Span[] {
  const spans: Span[] = [];
  for (let s = 1; s < p.allowed.length; s++) {
    for (let e = s; e < Math.min(p.allowed.length, s + maxAnswerLen); e++) {
      if (p.allowed[s] && p.allowed[e]) spans.push({ start: s, end: e, score: p.start[s]! * p.end[e]! });
    }
  }
  return spans.sort((a, b) => b.score - a.score);
}

/**
 * HF's `postprocess` with its defaults (top_k 1, max_answer_len 15, align_to_words): the window's best
 * 2·1 + 10 spans, each widened to the characters of its first and last token's words in the context
 * (`word_to_chars(…, sequence_index=1)`), spans giving the same text (case-insensitively) adding up.
 */
function hfDefaultAnswer(p: Expected['hfProbabilities'], encoding: Encoding, context: string): Answer {
  const wordTokens = (k: number) => encoding.ids.map((_, j) => j).filter((j) => encoding.sequenceIds[j] === 1 && encoding.wordIds[j] === encoding.wordIds[k]);
  const found: Answer[] = [];
  for (const span of rankedSpans(p, 15).slice(0, 12)) {
    const [start, end] = [encoding.offsets[wordTokens(span.start)[0]!]![0], encoding.offsets[wordTokens(span.end).at(-1)!]![1]];
    const answer = context.slice(start, end);
    const same = found.find((f) => f.answer.toLowerCase() === answer.toLowerCase());
    if (same) same.score += span.score;
    else found.push({ score: span.score, start, end, answer });
  }
  return found.sort((a, b) => b.score - a.score)[0]!;
}

beforeAll(async () => {
  const backend = await createOrtBackend({ ort });
  folder = await makeBertVocabHead('question-answering', root, backend);
  await backend.dispose();
  env.allowRemoteModels = false;
  env.localModelPath = `${root}/`;
  theirs = await theirPipeline('question-answering', 'question-answering', { dtype: 'fp32' });
  for (const [question, context] of PAIRS) {
    const inputs = theirs.tokenizer(question, { text_pair: context, padding: true, truncation: true });
    const { start_logits, end_logits } = await theirs.model(inputs);
    const ids = Array.from(inputs.input_ids.data as BigInt64Array, Number);
    const types = Array.from(inputs.token_type_ids.data as BigInt64Array, Number);
    // HF's p_mask: 0 on the context (sequence 1) and on [CLS]; the context's closing [SEP] is not in it.
    const hfAllowed = ids.map((id, k) => k === 0 || (types[k] === 1 && id !== SEP));
    const tjsAllowed = hfAllowed.map((a, k) => a && ids[k] !== UNK);
    expect(ids[0]).toBe(CLS);
    const hfProbabilities = probabilities(start_logits.data, end_logits.data, hfAllowed);
    const hf = rankedSpans(hfProbabilities, NO_LENGTH_LIMIT)[0]!;
    const tjs = rankedSpans(probabilities(start_logits.data, end_logits.data, tjsAllowed), NO_LENGTH_LIMIT)[0]!;
    expected.push({ ids, hf, hfProbabilities, tjs, theirs: await theirs(question, context) });
  }
}, 300_000);

afterAll(async () => {
  await theirs?.dispose();
  rmSync(root, { recursive: true, force: true });
  if (Object.keys(worst).length > 0) console.table(Object.fromEntries(Object.entries(worst).map(([k, v]) => [k, v.toExponential(2)])));
});

const decodeSpan = (e: Expected, span: Span): string => theirs.tokenizer.decode(e.ids.slice(span.start, span.end + 1), { skip_special_tokens: true });
const hasUnknown = (e: Expected) => e.ids.includes(UNK);
/** Hugging Face's best span starts or ends on [UNK], where transformers.js never lets an answer start or end. */
const onUnknown = (e: Expected) => e.ids[e.hf.start] === UNK || e.ids[e.hf.end] === UNK;

describe('question answering on short contexts: transformers.js and Hugging Face', () => {
  it('transformers.js answers its best span (Hugging Face\'s masking plus [UNK]) decoded, with that span\'s score', () => {
    expect(expected).toHaveLength(PAIRS.length);
    for (const [i, e] of expected.entries()) {
      expect(e.theirs.answer, `pair ${i}`).toBe(decodeSpan(e, e.tjs));
      const delta = Math.abs(e.theirs.score - e.tjs.score);
      note('transformers.js score vs its float64 re-computation', delta);
      expect(delta, `pair ${i}: transformers.js score ${e.theirs.score} vs ${e.tjs.score}`).toBeLessThanOrEqual(TOLERANCE);
    }
    // The spans vary: not all of one length.
    expect(new Set(expected.map((e) => e.hf.end - e.hf.start)).size).toBeGreaterThan(1);
  });

  it("the best span is the same in both unless Hugging Face's starts or ends on [UNK]; the scores too, unless the window holds [UNK]", () => {
    expect(expected.filter(hasUnknown).length, 'pairs with [UNK] (emoji, CJK, Hangul, Arabic)').toBeGreaterThanOrEqual(4);
    const sameSpan = expected.filter((e) => !onUnknown(e));
    console.log(`best spans: ${sameSpan.length} of ${expected.length} pairs agree; the others start or end on [UNK]: ${expected.filter(onUnknown).map((e) => JSON.stringify(decodeSpan(e, e.hf))).join(', ')}`);
    expect(sameSpan.length).toBeGreaterThanOrEqual(20);
    for (const [i, e] of expected.entries()) {
      if (!onUnknown(e)) expect({ start: e.hf.start, end: e.hf.end }, `pair ${i}`).toEqual({ start: e.tjs.start, end: e.tjs.end });
      // transformers.js leaves [UNK] out of the softmax, so its probabilities are larger there.
      if (hasUnknown(e)) expect(e.tjs.score, `pair ${i}`).toBeGreaterThan(e.hf.score);
      else expect(Math.abs(e.tjs.score - e.hf.score), `pair ${i}`).toBeLessThanOrEqual(1e-12);
    }
  });

  describe.each(USER_ENGINES.map((e) => [e.name, e.create] as const))('attn.js on %s', (name, createBackend) => {
    it("gives Hugging Face's best token span (as character offsets) and score, and Hugging Face's answer with its default options", async () => {
      const backend = await createBackend();
      const qa = await pipeline('question-answering', folder, { backend });
      const got = (await qa(
        PAIRS.map(([question, context]) => ({ question, context })),
        { alignToWords: false, maxAnswerLen: NO_LENGTH_LIMIT },
      )) as Answer[];
      for (const [i, [question, context]] of PAIRS.entries()) {
        const e = expected[i]!;
        const encoding = qa.tokenizer.encode(question, { pair: context });
        expect(encoding.ids, `pair ${i}: attn.js's tokens are transformers.js's`).toEqual(e.ids);
        const want = { start: encoding.offsets[e.hf.start]![0], end: encoding.offsets[e.hf.end]![1] };
        expect({ start: got[i]!.start, end: got[i]!.end }, `pair ${i} ${JSON.stringify(context)}`).toEqual(want);
        expect(got[i]!.answer).toBe(context.slice(want.start, want.end));
        const delta = Math.abs(got[i]!.score - e.hf.score);
        note(`${name} score vs Hugging Face float64`, delta);
        expect(delta, `pair ${i}: score ${got[i]!.score} vs ${e.hf.score}`).toBeLessThanOrEqual(TOLERANCE);
        if (!hasUnknown(e)) note(`${name} score vs transformers.js (no [UNK])`, Math.abs(got[i]!.score - e.theirs.score));
      }
      // With HF's defaults (answers widened to words, at most 15 tokens, same texts adding up): HF's answer.
      let merged = 0;
      const byDefault = (await qa(PAIRS.map(([question, context]) => ({ question, context })))) as Answer[];
      for (const [i, [question, context]] of PAIRS.entries()) {
        const want = hfDefaultAnswer(expected[i]!.hfProbabilities, qa.tokenizer.encode(question, { pair: context }), context);
        if (want.score > expected[i]!.hf.score * (1 + 1e-9)) merged++;
        expect({ ...byDefault[i]!, score: 0 }, `pair ${i} ${JSON.stringify(context)}`).toEqual({ ...want, score: 0 });
        const delta = Math.abs(byDefault[i]!.score - want.score);
        note(`${name} default options: score vs Hugging Face float64`, delta);
        expect(delta, `pair ${i}: score ${byDefault[i]!.score} vs ${want.score}`).toBeLessThanOrEqual(TOLERANCE);
      }
      expect(merged, 'default answers that add up several spans (10 of 24 here)').toBeGreaterThanOrEqual(5);
      qa.dispose();
      await backend.dispose();
    }, 300_000);
  });
});
