/**
 * text-classification against the head fixtures: each reference row is turned back into text (or a
 * text pair) with the fixture tokenizer, and the expected scores are softmax / sigmoid of the
 * reference's float64 logits (PyTorch), worked out here. Label names come from config.json.
 */
import { BertForSequenceClassification } from '@attnjs/bert';
import { InputError, UnsupportedError } from '@attnjs/core';
import { GPT2ForSequenceClassification } from '@attnjs/gpt';
import type { Tokenizer } from '@attnjs/tokenizers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TextClassificationInput, type TextClassificationResult, pipeline } from '../src/index.js';
import { ENGINES, bertTinyTokenizer, expectClose, fixture, reference, softmax64, wordTokenizer } from './helpers.js';

const TOLERANCE = 2e-5; // float32 engines vs the float64 reference (logits ≤ 1e-5, see the fixtures' README)
const sigmoid64 = (logits: number[]) => logits.map((x) => 1 / (1 + Math.exp(-x)));

interface Row {
  readonly input: TextClassificationInput;
  readonly logits: number[];
}

/** Every reference row as text: [CLS] A [SEP] (B [SEP]) for BERT; checked to encode back to the same ids and types. */
function rows(head: string, tokenizer: Tokenizer): Row[] {
  const ref = reference(`heads/${head}`);
  return ref.cases.flatMap((c: any) =>
    c.lengths.map((length: number, b: number): Row | null => {
      const ids: number[] = c.input_ids[b].slice(0, length);
      let input: TextClassificationInput;
      if (head.startsWith('gpt2')) {
        input = tokenizer.decode(ids);
      } else {
        const sep = ids.indexOf(102);
        const [a, pair] = [ids.slice(1, sep), ids.slice(sep + 1, -1)];
        input = pair.length === 0 ? tokenizer.decode(a) : { text: tokenizer.decode(a), textPair: tokenizer.decode(pair) };
      }
      const encoding = typeof input === 'string' ? tokenizer.encode(input) : tokenizer.encode(input.text, { pair: input.textPair });
      const types: number[] | undefined = c.token_type_ids?.[b].slice(0, length);
      const same = encoding.ids.join() === ids.join() && (types === undefined || encoding.typeIds.join() === types.join());
      return same ? { input, logits: c.float64.logits[b] } : null;
    }),
  ).filter((r: Row | null): r is Row => r !== null);
}

function expectLabels(got: TextClassificationResult[], want: { label: string; score: number }[]): void {
  expect(got.map((r) => r.label)).toEqual(want.map((r) => r.label));
  got.forEach((r, i) => expectClose(r.score, want[i]!.score, TOLERANCE, r.label));
}

/** All labels with `scores`, best first. */
function ranked(scores: number[], id2label: Record<string, string>): { label: string; score: number }[] {
  return scores.map((score, i) => ({ label: id2label[i]!, score })).sort((a, b) => b.score - a.score);
}

for (const engine of ENGINES) {
  describe(`text-classification on ${engine.name}`, () => {
    let backend: Awaited<ReturnType<typeof engine.create>>;
    beforeAll(async () => {
      backend = await engine.create();
    });
    afterAll(async () => {
      await backend.dispose();
    });

    it('single-label BERT: softmax, the best label by default, all of them with topK null; texts and pairs in one padded batch', async () => {
      const tokenizer = bertTinyTokenizer();
      const model = await BertForSequenceClassification.fromPretrained(fixture('heads/bert-seqcls'), { backend });
      const classify = await pipeline('text-classification', { model, tokenizer });
      const { id2label } = reference('heads/bert-seqcls');
      const cases = rows('bert-seqcls', tokenizer);
      expect(cases.length).toBe(5);
      expect(cases.some((r) => typeof r.input !== 'string')).toBe(true);
      const want = cases.map((r) => ranked(softmax64(r.logits), id2label));
      // One label per input for a batch (topK 1), as transformers.js returns.
      const best = (await classify(cases.map((r) => r.input))) as TextClassificationResult[];
      expectLabels(best, want.map((w) => w[0]!));
      const all = (await classify(cases.map((r) => r.input), { topK: null, batchSize: 2 })) as TextClassificationResult[][];
      all.forEach((got, i) => expectLabels(got, want[i]!));
      expectLabels((await classify(cases[0]!.input)) as TextClassificationResult[], [want[0]![0]!]);
      expectLabels((await classify(cases[0]!.input, { topK: 2 })) as TextClassificationResult[], want[0]!.slice(0, 2));
      const raw = (await classify(cases[1]!.input, { topK: null, functionToApply: 'none' })) as TextClassificationResult[];
      expectLabels(raw, ranked(cases[1]!.logits, id2label));
      classify.dispose();
      model.dispose();
    });

    it('multi-label BERT: sigmoid per label', async () => {
      const tokenizer = bertTinyTokenizer();
      const classify = await pipeline('text-classification', { model: await BertForSequenceClassification.fromPretrained(fixture('heads/bert-seqcls-multilabel'), { backend }), tokenizer });
      const { id2label } = reference('heads/bert-seqcls-multilabel');
      const cases = rows('bert-seqcls-multilabel', tokenizer);
      expect(cases.length).toBe(5);
      const got = (await classify(cases.map((r) => r.input), { topK: null })) as TextClassificationResult[][];
      got.forEach((labels, i) => expectLabels(labels, ranked(sigmoid64(cases[i]!.logits), id2label)));
      classify.model.dispose();
    });

    it('regression BERT: the raw value (problem_type regression applies no function)', async () => {
      const tokenizer = bertTinyTokenizer();
      const classify = await pipeline('sentiment-analysis', { model: await BertForSequenceClassification.fromPretrained(fixture('heads/bert-regression'), { backend }), tokenizer });
      const cases = rows('bert-regression', tokenizer);
      const got = (await classify(cases.map((r) => r.input))) as TextClassificationResult[];
      got.forEach((r, i) => expectLabels([r], [{ label: 'LABEL_0', score: cases[i]!.logits[0]! }]));
      classify.model.dispose();
    });

    it('GPT-2: rows padded with config.json pad_token_id, scored at their last real token', async () => {
      const tokenizer = wordTokenizer();
      const classify = await pipeline('text-classification', { model: await GPT2ForSequenceClassification.fromPretrained(fixture('heads/gpt2-seqcls'), { backend }), tokenizer });
      const { id2label } = reference('heads/gpt2-seqcls');
      const cases = rows('gpt2-seqcls', tokenizer);
      expect(cases.length).toBe(5);
      const got = (await classify(cases.map((r) => r.input), { topK: 3 })) as TextClassificationResult[][];
      got.forEach((labels, i) => expectLabels(labels, ranked(softmax64(cases[i]!.logits), id2label)));
      classify.model.dispose();
    });
  });
}

describe('text-classification input checks', () => {
  it('refuses bad inputs and options with typed errors', async () => {
    const backend = await ENGINES[0]!.create();
    const model = await BertForSequenceClassification.fromPretrained(fixture('heads/bert-seqcls'), { backend });
    const classify = await pipeline('text-classification', { model, tokenizer: bertTinyTokenizer() });
    await expect(classify('')).rejects.toThrow(InputError);
    await expect(classify({ text: 'under little', textPair: '' })).rejects.toThrow(/inputs.textPair is empty/);
    await expect(classify({ text: 'under little', text_pair: 'local' } as never)).rejects.toThrow(UnsupportedError);
    await expect(classify([])).rejects.toThrow(InputError);
    await expect(classify('under little', { topK: 0 })).rejects.toThrow(UnsupportedError);
    await expect(classify('under little', { functionToApply: 'relu' } as never)).rejects.toThrow(/functionToApply/);
    await expect(pipeline('text-classification', { model, tokenizer: bertTinyTokenizer() }, { topk: 2 } as never)).rejects.toThrow(/topk/);
    model.dispose();
    await backend.dispose();
  });
});
