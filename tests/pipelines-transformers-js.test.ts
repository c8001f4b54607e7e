/**
 * attn.js's pipelines give transformers.js's answers (a library nobody here wrote, local files only) where
 * transformers.js implements Hugging Face's semantics: fill-mask, text-classification, and
 * token-classification with aggregation none (simple: Hugging Face's grouping of transformers.js's tokens; an [UNK]
 * token, which transformers.js drops, worded as Hugging Face words it). The checkpoints are BERT encoders on the real
 * bert-base-uncased vocabulary with seeded, non-degenerate random weights (tests/bert-vocab-heads.ts), which
 * transformers.js runs from attn.js's ONNX export and attn.js runs from model.safetensors on every Node engine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrtBackend } from '@attnjs/backend-ort';
import { pipeline, type TokenEntity } from '@attnjs/pipelines';
import { env, pipeline as theirPipeline } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HeadTask, makeBertVocabHead } from './bert-vocab-heads.js';
import { USER_ENGINES } from './engines.js';

/** 24 sentences: accents, emoji, CJK, digits, punctuation runs, casing, long and short. */
const SENTENCES = [
  'The quick brown fox jumps over the lazy dog.',
  'I absolutely loved this movie, it was wonderful!',
  'Terrible service; we waited 45 minutes for cold soup.',
  'Crème brûlée at the café in Zürich was magnifique.',
  'São Paulo and Bogotá are big cities in South America.',
  'Ich möchte ein Glas Wasser, bitte.',
  'The emoji 😀 and 🎉 are everywhere now 🚀!',
  '東京は日本の首都です。',
  '北京和上海是中国的大城市。',
  '서울은 한국의 수도입니다.',
  'Barack Obama was born in Honolulu, Hawaii.',
  'Apple Inc. opened a store on 5th Avenue in New York.',
  'Dr. Jane O\'Neill-Smith visited the U.S.A. in 1999...',
  'e-mail me at someone@example.com or call 555-0123',
  'WHY ARE YOU SHOUTING???',
  'ok',
  'Antidisestablishmentarianism is a remarkably long word.',
  'The naïve coöperative reëlected its façade designer.',
  'Mixing scripts: Paris, 東京, Москва and القاهرة.',
  'Numbers like 3.14159 and 2,718 appear in math.',
  'She said, "Don\'t go!" — but he went anyway.',
  'Tabs\tand  double  spaces   are whitespace.',
  'A résumé, a fiancée and a piñata walk into a bar.',
  'The last sentence of the list is about Zoë and Chloé.',
];

/** Each sentence with one word replaced by [MASK] (the middle one), for fill-mask. */
const MASKED = SENTENCES.map((s) => {
  const words = s.split(' ');
  if (words.length === 1) return `${s} [MASK]`;
  words[Math.floor(words.length / 2)] = '[MASK]';
  return words.join(' ');
});

const TOLERANCE = 1e-5;
const UNK = 100;
/** 24 inputs over a 30,522-token vocabulary on tfjs-cpu take minutes on a busy 2-core machine. */
const SLOW = 600_000;
const root = mkdtempSync(join(tmpdir(), 'attn-pipelines-tjs-'));
const folders = {} as Record<HeadTask, string>;
// biome-ignore lint: transformers.js pipelines are loosely typed
const theirs = {} as Record<HeadTask, any>;

beforeAll(async () => {
  const backend = await createOrtBackend({ ort });
  for (const task of ['fill-mask', 'text-classification', 'token-classification'] as const) {
    folders[task] = await makeBertVocabHead(task, root, backend);
  }
  await backend.dispose();
  env.allowRemoteModels = false;
  env.localModelPath = `${root}/`;
  for (const task of Object.keys(folders) as HeadTask[]) theirs[task] = await theirPipeline(task, task, { dtype: 'fp32' });
});
afterAll(async () => {
  for (const p of Object.values(theirs)) await p?.dispose();
  rmSync(root, { recursive: true, force: true });
});

/** Same keys and values; numbers within TOLERANCE. */
function expectSameAnswer(ours: unknown, want: unknown, where: string): void {
  if (typeof want === 'number') {
    expect(typeof ours, where).toBe('number');
    expect(Math.abs((ours as number) - want), `${where}: ${ours} vs transformers.js ${want}`).toBeLessThanOrEqual(TOLERANCE);
  } else if (Array.isArray(want)) {
    expect(Array.isArray(ours), where).toBe(true);
    expect((ours as unknown[]).length, `${where}: length`).toBe(want.length);
    want.forEach((w, i) => expectSameAnswer((ours as unknown[])[i], w, `${where}[${i}]`));
  } else if (want !== null && typeof want === 'object') {
    for (const [key, value] of Object.entries(want)) expectSameAnswer((ours as Record<string, unknown>)[key], value, `${where}.${key}`);
  } else {
    expect(ours, where).toEqual(want);
  }
}

describe.each(USER_ENGINES.map((e) => [e.name, e.create] as const))('pipelines agree with transformers.js on %s', (_name, createBackend) => {
  it('fill-mask: the same top-5 tokens, strings, sequences and scores', async () => {
    const backend = await createBackend();
    const fill = await pipeline('fill-mask', folders['fill-mask'], { backend });
    for (const text of MASKED) expectSameAnswer(await fill(text), await theirs['fill-mask'](text), `fill-mask ${JSON.stringify(text)}`);
    fill.dispose();
    await backend.dispose();
  }, SLOW);

  it('text-classification: the same labels and scores, top 1 and all labels', async () => {
    const backend = await createBackend();
    const classify = await pipeline('text-classification', folders['text-classification'], { backend });
    for (const text of SENTENCES) {
      expectSameAnswer(await classify(text), await theirs['text-classification'](text), `top-1 ${JSON.stringify(text)}`);
      expectSameAnswer(await classify(text, { topK: null }), await theirs['text-classification'](text, { top_k: null }), `all ${JSON.stringify(text)}`);
    }
    classify.dispose();
    await backend.dispose();
  }, SLOW);

  it('token-classification: the same entities with aggregation none, and simple grouped as Hugging Face groups them', async () => {
    const backend = await createBackend();
    const ner = await pipeline('token-classification', folders['token-classification'], { backend });
    let unknownCount = 0;
    for (const text of SENTENCES) {
      // An [UNK] token: Hugging Face's word is the text it stands for (gather_pre_entities: `word = word_ref` when
      // the id is unk_token_id, in every aggregation); transformers.js decodes it with skip_special_tokens to '' and
      // drops the token. So ours must have exactly the [UNK] tokens on top of transformers.js's, each worded as its
      // text; the comparison leaves them out, then puts ours back in place for the grouping below.
      const all: (TokenAnswer & { index: number })[] = await theirs['token-classification'](text, { ignore_labels: [] });
      const known = new Set(all.map((t) => t.index));
      const ours = (await ner(text, { ignoreLabels: [] })) as TokenEntity[];
      const unknownTokens = ours.filter((t) => !known.has(t.index));
      const unknownIds = ner.tokenizer.encode(text).ids.flatMap((id, k) => (id === UNK ? [k] : []));
      expect(unknownTokens.map((t) => t.index), `[UNK] tokens of ${JSON.stringify(text)}`).toEqual(unknownIds);
      for (const t of unknownTokens) expect(t.word, `[UNK] at ${t.index}`).toBe(text.slice(t.start, t.end));
      unknownCount += unknownTokens.length;
      expectSameAnswer(((await ner(text)) as TokenEntity[]).filter((t) => known.has(t.index)), await theirs['token-classification'](text), `none ${JSON.stringify(text)}`);
      // transformers.js also drops 'O' tokens before grouping, so it merges two entities an 'O' token separates;
      // Hugging Face groups every token, then drops 'O' groups. The expected groups are HF's, built here from
      // transformers.js's per-token answers (all labels kept).
      const tokens = [...all, ...unknownTokens].sort((a, b) => a.index - b.index);
      expectSameAnswer(await ner(text, { aggregationStrategy: 'simple' }), huggingFaceGroups(tokens), `simple ${JSON.stringify(text)}`);
    }
    expect(unknownCount, 'the sentences hold [UNK] tokens (emoji, some CJK, Hangul, Arabic)').toBeGreaterThanOrEqual(5);
    ner.dispose();
    await backend.dispose();
  }, SLOW);
});

type TokenAnswer = { entity: string; score: number; word: string };

/** Hugging Face's TokenClassificationPipeline.group_entities, then its ignore_labels filter (['O']). */
function huggingFaceGroups(tokens: TokenAnswer[]): { entity_group: string; score: number; word: string }[] {
  const tag = (entity: string): [string, string] =>
    entity.startsWith('B-') ? ['B', entity.slice(2)] : entity.startsWith('I-') ? ['I', entity.slice(2)] : ['I', entity];
  const runs: TokenAnswer[][] = [];
  for (const token of tokens) {
    const last = runs.at(-1)?.at(-1);
    const [bi, name] = tag(token.entity);
    if (last && name === tag(last.entity)[1] && bi !== 'B') runs.at(-1)!.push(token);
    else runs.push([token]);
  }
  return runs
    .map((run) => ({
      entity_group: tag(run[0]!.entity)[1],
      score: run.reduce((sum, t) => sum + t.score, 0) / run.length,
      word: wordPieceTokensToString(run.map((t) => t.word)),
    }))
    .filter((group) => group.entity_group !== 'O');
}

/**
 * The BERT fast tokenizer's convert_tokens_to_string: the Rust WordPiece decoder, which strips "##" or puts a
 * space before each token after the first and cleans up each token's piece on its own (so " ' " never matches across tokens).
 */
function wordPieceTokensToString(tokens: string[]): string {
  return tokens
    .map((t, i) => (i === 0 ? t : t.startsWith('##') ? t.slice(2) : ` ${t}`)) // the first token keeps its "##", as in Rust
    .map((piece) =>
      piece
        .replaceAll(' .', '.')
        .replaceAll(' ?', '?')
        .replaceAll(' !', '!')
        .replaceAll(' ,', ',')
        .replaceAll(" ' ", "'")
        .replaceAll(" n't", "n't")
        .replaceAll(" 'm", "'m")
        .replaceAll(' do not', " don't")
        .replaceAll(" 's", "'s")
        .replaceAll(" 've", "'ve")
        .replaceAll(" 're", "'re"),
    )
    .join('');
}
