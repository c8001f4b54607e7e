/**
 * feature-extraction against the head fixtures' backbone outputs (`sequence_output` for BERT,
 * `last_hidden_state` for GPT-2, float64 PyTorch): per-token vectors as they are, and the pooled and
 * normalised sentence vectors worked out here from them (mean over the real tokens, first token, L2).
 */
import { BertForSequenceClassification, BertModel } from '@attnjs/bert';
import { InputError, UnsupportedError } from '@attnjs/core';
import { GPT2Model } from '@attnjs/gpt';
import type { Tokenizer } from '@attnjs/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline } from '../src/index.js';
import { ENGINES, bertTinyTokenizer, counts, expectClose, fixture, reference, wordTokenizer } from './helpers.js';

const TOLERANCE = 1e-5;

interface Row {
  readonly text: string;
  readonly hidden: number[][]; // [tokens][H]
}

/** The reference rows with one segment (a pipeline input is one text), as text. */
function rows(head: string, tokenizer: Tokenizer, output: string): Row[] {
  const ref = reference(`heads/${head}`);
  return ref.cases.flatMap((c: any) =>
    c.lengths.flatMap((length: number, b: number) => {
      const ids: number[] = c.input_ids[b].slice(0, length);
      if (c.token_type_ids && c.token_type_ids[b].some((t: number) => t !== 0)) return [];
      const text = tokenizer.decode(ids, { skipSpecialTokens: true });
      expect(tokenizer.encode(text).ids).toEqual(ids);
      return [{ text, hidden: c.float64[output][b] }];
    }),
  );
}

const mean = (vectors: number[][]) => vectors[0]!.map((_, i) => vectors.reduce((sum, v) => sum + v[i]!, 0) / vectors.length);
const unit = (v: number[]) => {
  const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
  return v.map((x) => x / norm);
};

function expectVectors(got: number[][], want: number[][], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((v, t) => {
    expect(v.length).toBe(want[t]!.length);
    v.forEach((x, i) => expectClose(x, want[t]![i]!, TOLERANCE, `${what}[${t}][${i}]`));
  });
}

for (const engine of ENGINES) {
  describe(`feature-extraction on ${engine.name}`, () => {
    let backend: Awaited<ReturnType<typeof engine.create>>;
    beforeAll(async () => {
      backend = await engine.create();
    });
    afterAll(async () => {
      await backend.dispose();
    });

    it('BERT: token vectors, mean and CLS pooling, L2 normalisation, for rows of different lengths in one padded batch', async () => {
      const tokenizer = bertTinyTokenizer();
      const model = await BertModel.fromPretrained(fixture('heads/bert-seqcls'), { backend });
      const extract = await pipeline('feature-extraction', { model, tokenizer });
      const cases = rows('bert-seqcls', tokenizer, 'sequence_output');
      expect(cases.map((r) => r.hidden.length)).toEqual([10, 5]);
      const texts = cases.map((r) => r.text);
      const tokens = (await extract(texts)) as number[][][];
      tokens.forEach((got, i) => expectVectors(got, cases[i]!.hidden, `tokens of row ${i}`));
      const means = (await extract(texts, { pooling: 'mean' })) as number[][];
      expectVectors(means, cases.map((r) => mean(r.hidden)), 'mean');
      const cls = (await extract(texts, { pooling: 'cls', batchSize: 1 })) as number[][];
      expectVectors(cls, cases.map((r) => r.hidden[0]!), 'cls');
      const normalized = (await extract(texts[1]!, { pooling: 'mean', normalize: true })) as number[];
      expectVectors([normalized], [unit(mean(cases[1]!.hidden))], 'normalised mean');
      const normalizedTokens = (await extract(texts[1]!, { normalize: true })) as number[][];
      expectVectors(normalizedTokens, cases[1]!.hidden.map(unit), 'normalised tokens');
      extract.dispose();
      model.dispose();
    });

    it('a task head passed in gives its backbone\'s output', async () => {
      const tokenizer = bertTinyTokenizer();
      const model = await BertForSequenceClassification.fromPretrained(fixture('heads/bert-seqcls-multilabel'), { backend });
      const extract = await pipeline('feature-extraction', { model, tokenizer });
      const cases = rows('bert-seqcls-multilabel', tokenizer, 'sequence_output');
      expect(cases.length).toBe(2);
      const got = (await extract(cases.map((r) => r.text), { pooling: 'mean' })) as number[][];
      expectVectors(got, cases.map((r) => mean(r.hidden)), 'mean');
      model.dispose();
    });

    it('GPT-2: token vectors, rows padded with config.json pad_token_id', async () => {
      const tokenizer = wordTokenizer();
      const model = await GPT2Model.fromPretrained(fixture('heads/gpt2-seqcls'), { backend });
      const extract = await pipeline('feature-extraction', { model, tokenizer });
      const cases = rows('gpt2-seqcls', tokenizer, 'last_hidden_state');
      expect(cases.length).toBe(5);
      const got = (await extract(cases.map((r) => r.text))) as number[][][];
      got.forEach((vectors, i) => expectVectors(vectors, cases[i]!.hidden, `row ${i}`));
      model.dispose();
    });
  });
}

describe('feature-extraction from a folder, and its checks', () => {
  it('loads bert-hf-tiniest as BertModel with its tokenizer, refuses bad options, and frees the model on dispose', async () => {
    const backend = await ENGINES[0]!.create();
    const before = counts(backend);
    const extract = await pipeline('feature-extraction', fixture('bert-hf-tiniest'), { backend, pooling: 'mean' });
    expect(extract.model.modelName).toBe('BertModel');
    const vector = (await extract('Hello, my dog is cute.')) as number[];
    expect(vector).toHaveLength(4); // hidden 4; pooling: 'mean' was the pipeline's default
    await expect(extract('hello', { pooling: 'max' } as never)).rejects.toThrow(UnsupportedError);
    await expect(extract('hello', { normalize: 'yes' } as never)).rejects.toThrow(InputError);
    await expect(extract(['hello', 3] as never)).rejects.toThrow(/inputs\[1\] must be a string/);
    extract.dispose();
    expect(counts(backend)).toEqual(before);
    await backend.dispose();
  });
});
