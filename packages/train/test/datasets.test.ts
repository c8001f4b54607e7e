/**
 * Streaming datasets: text / JSONL / TSV readers on temporary files (line numbers in errors, streaming
 * proven through a FIFO that is written only after the first row arrives), on-the-fly tokenization with a
 * whitespace tokenizer worked by hand, Hugging Face's buffered shuffle re-implemented here as the
 * reference, dynamic padding, the stream-to-`batch(index)` adapter, and a short training run fed by it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { AttnError, InputError, LoadError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { padBatches, sequentialBatches, shuffleStream } from '../src/datasets/batching.js';
import { DatasetError, type DatasetRow } from '../src/datasets/lines.js';
import { readJsonl, readText, readTsv } from '../src/datasets/readers.js';
import { type TextTokenizer, type TokenizedExample, tokenizeRows } from '../src/datasets/tokenize.js';
import { SGD } from '../src/optimizer.js';
import { Random } from '../src/random.js';
import { Trainer } from '../src/trainer.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'attnjs-datasets-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function collect<T>(source: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of source) out.push(item);
  return out;
}

async function rejection(source: AsyncIterable<unknown>): Promise<unknown> {
  return collect(source).then(
    () => undefined,
    (error: unknown) => error,
  );
}

// Words get ids 10, 11, … in this order; a pair is A [SEP=3] B with token types 0 … 0 1 … 1.
const WORDS = ['the', 'cat', 'sat', 'on', 'mat', 'a', 'dog', 'ran', 'good', 'bad', 'film'];
const tokenizer: TextTokenizer = {
  encode(text, options = {}) {
    const ids = (s: string) => s.split(/\s+/).filter(Boolean).map((w) => (WORDS.includes(w) ? 10 + WORDS.indexOf(w) : 1));
    let first = ids(text);
    const second = options.pair == null ? [] : [3, ...ids(options.pair)];
    if (options.truncation && options.maxLength !== undefined) first = first.slice(0, options.maxLength - second.length);
    return { ids: [...first, ...second], typeIds: [...first.map(() => 0), ...second.map(() => 1)] };
  },
};

describe('readers', () => {
  it('text: one document per blank-line-separated paragraph, or per line', async () => {
    const path = await file('doc.txt', '\uFEFFthe cat\nsat\n\n\n  \ta dog\r\nran\n\nfilm');
    const rows = (r: DatasetRow[]) => r.map((x) => [x.fields.text, x.line]);
    expect(rows(await collect(readText(path)))).toEqual([['the cat\nsat', 1], ['  \ta dog\nran', 5], ['film', 8]]); // a paragraph's lines stay as written
    expect(rows(await collect(readText(path, { unit: 'line' })))).toEqual([
      ['the cat', 1],
      ['sat', 2],
      ['  \ta dog', 5],
      ['ran', 6],
      ['film', 8],
    ]);
    await expect(collect(readText(path, { unit: 'page' as never }))).rejects.toThrow(/unit/);
  });

  it('JSONL: objects per line; a bad line is a DatasetError naming the file and line', async () => {
    const path = await file('d.jsonl', '{"text": "the cat", "label": 1}\n\n{"text": "a dog", "label": 0}\n');
    expect((await collect(readJsonl(path, { field: 'text' }))).map((r) => [r.fields.text, r.fields.label, r.line])).toEqual([
      ['the cat', 1, 1],
      ['a dog', 0, 3],
    ]);
    const bad = await file('bad.jsonl', '{"text": "x"}\n{"text": "y"}\n{"text": oops}\n');
    const error = (await rejection(readJsonl(bad))) as DatasetError;
    expect(error).toBeInstanceOf(DatasetError);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toBeInstanceOf(AttnError);
    expect([error.file, error.line]).toEqual([bad, 3]);
    expect(error.message).toMatch(new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:3: not JSON`));
    const missing = await file('missing.jsonl', '{"text": "x"}\n{"body": "y"}\n');
    await expect(collect(readJsonl(missing, { field: 'text' }))).rejects.toThrow(/missing\.jsonl:2: field "text" is missing, expected a string/);
    const array = await file('array.jsonl', '[1, 2]\n');
    await expect(collect(readJsonl(array))).rejects.toThrow(/array\.jsonl:1: expected a JSON object, got an array/);
    await expect(collect(readJsonl(join(dir, 'absent.jsonl')))).rejects.toThrow(LoadError);
  });

  it('TSV: the header names the columns; a row with another cell count is refused', async () => {
    const path = await file('train.tsv', 'sentence\tlabel\nthe cat sat\t1\na bad film\t0\n');
    expect((await collect(readTsv(path))).map((r) => [r.fields, r.line])).toEqual([
      [{ sentence: 'the cat sat', label: '1' }, 2],
      [{ sentence: 'a bad film', label: '0' }, 3],
    ]);
    const ragged = await file('ragged.tsv', 'sentence\tlabel\nthe cat\t1\nno label here\n');
    await expect(collect(readTsv(ragged))).rejects.toThrow(/ragged\.tsv:3: 1 cells for the 2 columns sentence, label/);
    const header = await file('header.tsv', 'a\ta\n1\t2\n');
    await expect(collect(readTsv(header))).rejects.toThrow(/header\.tsv:1: the header must name each column once/);
    await expect(collect(readTsv(await file('empty.tsv', '')))).rejects.toThrow(DatasetError);
  });

  it('streams: the first row arrives while the rest of the file is still unwritten', { timeout: 20_000 }, async () => {
    const fifo = join(dir, 'stream.jsonl');
    execFileSync('mkfifo', [fifo]);
    const rows = readJsonl(fifo, { field: 'text' });
    const first = rows.next(); // opens the FIFO for reading
    const writer = await open(fifo, 'w');
    await writer.write('{"text": "the cat"}\n');
    // A reader of the whole file would wait for the writer to close, which happens only after this.
    expect((await first).value?.fields.text).toBe('the cat');
    await writer.write('{"text": "a dog"}\n');
    await writer.close();
    expect((await rows.next()).value?.fields.text).toBe('a dog');
    expect((await rows.next()).done).toBe(true);
  });
});

describe('tokenizeRows', () => {
  it('tokenizes texts and pairs, truncates, and reads class labels from TSV digits', async () => {
    const path = await file('pairs.tsv', 'premise\thypothesis\tlabel\nthe cat sat\ta cat\t2\nthe dog ran on a mat\tthe dog\t0\n');
    const examples = await collect(tokenizeRows(readTsv(path), { tokenizer, text: ['premise', 'hypothesis'], label: 'label', maxLength: 5 }));
    expect(examples.map((e) => [e.inputIds, e.tokenTypeIds, e.labels, e.line])).toEqual([
      [[10, 11, 3, 15, 11], [0, 0, 1, 1, 1], 2, 2], // 6 > 5: the fake tokenizer cuts the first text to 5 − 3 tokens
      [[10, 16, 3, 10, 16], [0, 0, 1, 1, 1], 0, 3],
    ]);
  });

  it('causal-LM labels are the ids; bad labels and fields name the file and line', async () => {
    const path = await file('lm.txt', 'the cat\n\nsat on a mat\n');
    const examples = await collect(tokenizeRows(readText(path), { tokenizer, text: 'text', causalLM: true }));
    expect(examples.map((e) => [e.inputIds, e.labels])).toEqual([
      [[10, 11], [10, 11]],
      [[12, 13, 15, 14], [12, 13, 15, 14]],
    ]);
    const labels = await file('labels.tsv', 'sentence\tlabel\ngood film\t1\nbad film\tpositive\n');
    await expect(collect(tokenizeRows(readTsv(labels), { tokenizer, text: 'sentence', label: 'label' }))).rejects.toThrow(
      /labels\.tsv:3: label field "label" is "positive", expected an integer class/,
    );
    await expect(collect(tokenizeRows(readTsv(labels), { tokenizer, text: 'review' }))).rejects.toThrow(/labels\.tsv:2: field "review" is missing/);
  });
});

describe('shuffleStream', () => {
  /** Hugging Face datasets' buffered shuffle, written out independently, over the same generator. */
  function reference(items: number[], bufferSize: number, seed: number): number[] {
    const random = new Random(seed);
    const buffer: number[] = [];
    const out: number[] = [];
    for (const x of items) {
      if (buffer.length === bufferSize) {
        const i = random.int(bufferSize);
        out.push(buffer[i]!);
        buffer[i] = x;
      } else buffer.push(x);
    }
    const rest = random.permutation(buffer.length).map((i) => buffer[i]!);
    return [...out, ...rest];
  }
  const items = Array.from({ length: 50 }, (_, i) => i);

  it('is the buffered shuffle, deterministic per seed, and a permutation', async () => {
    const a = await collect(shuffleStream(items, { bufferSize: 8, seed: 7 }));
    expect(a).toEqual(reference(items, 8, 7));
    expect([...a].sort((x, y) => x - y)).toEqual(items);
    expect(await collect(shuffleStream(items, { bufferSize: 8, seed: 7 }))).toEqual(a);
    expect(await collect(shuffleStream(items, { bufferSize: 8, seed: 8 }))).not.toEqual(a);
    // A buffer of 1 cannot reorder; one larger than the stream is a full shuffle.
    expect(await collect(shuffleStream(items, { bufferSize: 1, seed: 3 }))).toEqual(items);
    const full = new Random(5).permutation(50);
    expect(await collect(shuffleStream(items, { bufferSize: 100, seed: 5 }))).toEqual(full);
  });

  it('draws from a given generator (e.g. the trainer’s), advancing it', async () => {
    const random = new Random(7);
    expect(await collect(shuffleStream(items, { bufferSize: 8, random }))).toEqual(reference(items, 8, 7));
    expect(random.state()).not.toEqual(new Random(7).state());
    await expect(collect(shuffleStream(items, { bufferSize: 8 }))).rejects.toThrow(/seed or a random generator/);
    await expect(collect(shuffleStream(items, { bufferSize: 0, seed: 1 }))).rejects.toThrow(/bufferSize/);
  });
});

describe('padBatches', () => {
  const ex = (inputIds: number[], labels?: number[] | number): TokenizedExample => ({
    inputIds,
    tokenTypeIds: inputIds.map(() => 0),
    ...(labels !== undefined ? { labels } : {}),
    file: 'f',
    line: 1,
  });

  it('pads each batch to its own longest example; token labels with −100', async () => {
    const batches = await collect(padBatches([ex([5, 6, 7], [5, 6, 7]), ex([8], [8]), ex([9, 9], [9, 9])], { batchSize: 2, padTokenId: 0 }));
    expect(batches).toEqual([
      {
        inputIds: [
          [5, 6, 7],
          [8, 0, 0],
        ],
        attentionMask: [
          [1, 1, 1],
          [1, 0, 0],
        ],
        tokenTypeIds: [
          [0, 0, 0],
          [0, 0, 0],
        ],
        labels: [
          [5, 6, 7],
          [8, -100, -100],
        ],
      },
      { inputIds: [[9, 9]], attentionMask: [[1, 1]], tokenTypeIds: [[0, 0]], labels: [[9, 9]] },
    ]);
  });

  it('class labels, padToMultipleOf, dropLast, and no mixing of label kinds', async () => {
    const [batch] = await collect(padBatches([ex([5, 6, 7], 1), ex([8], 0), ex([4])], { batchSize: 2, padTokenId: 2, padToMultipleOf: 4, dropLast: true }));
    expect(batch).toEqual({
      inputIds: [
        [5, 6, 7, 2],
        [8, 2, 2, 2],
      ],
      attentionMask: [
        [1, 1, 1, 0],
        [1, 0, 0, 0],
      ],
      tokenTypeIds: [
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      labels: [1, 0],
    });
    expect((await collect(padBatches([ex([5], 1), ex([8], 0), ex([4], 1)], { batchSize: 2, padTokenId: 0, dropLast: true }))).length).toBe(1);
    await expect(collect(padBatches([ex([5], 1), ex([8])], { batchSize: 2, padTokenId: 0 }))).rejects.toThrow(/mix class and none labels/);
  });
});

describe('sequentialBatches', () => {
  it('serves batches in order across epochs and skips ahead for a resumed run', async () => {
    const epochs: number[] = [];
    const stream = (epoch: number) => {
      epochs.push(epoch);
      return [`${epoch}a`, `${epoch}b`, `${epoch}c`];
    };
    const batch = sequentialBatches(stream);
    expect([await batch(0), await batch(1), await batch(2), await batch(3)]).toEqual(['0a', '0b', '0c', '1a']);
    expect(epochs).toEqual([0, 1]);
    const resumed = sequentialBatches(stream);
    expect(await resumed(7)).toBe('2b');
    await expect(resumed(3)).rejects.toThrow(/only goes forward/);
    await expect(sequentialBatches(() => [])(0)).rejects.toThrow(/gave no batches/);
  });

  it('feeds Trainer.train from a streamed, shuffled, padded text file', async () => {
    const path = await file('corpus.txt', 'the cat sat on the mat\n\na dog ran\n\nthe dog sat\n\na good film\n\nthe bad cat ran\n');
    const backend = await createTfjsBackend({ device: 'cpu' });
    const model = await GPT2LMHeadModel.fromPretrained(fileURLToPath(new URL('../../../testdata/gpt2-tiny/', import.meta.url)), { backend });
    const trainer = new Trainer({ model, optimizer: new SGD({ groups: [{ params: model.parameters(), weightDecay: 0 }] }), learningRate: 0.1 });
    const stream = (epoch: number) =>
      padBatches(shuffleStream(tokenizeRows(readText(path), { tokenizer, text: 'text', causalLM: true }), { bufferSize: 3, seed: 11 + epoch }), {
        batchSize: 2,
        padTokenId: 0,
      });
    const seen: number[][][] = [];
    const batch = sequentialBatches(stream);
    const records = await trainer.train({
      maxSteps: 4,
      batch: async (index) => {
        const b = await batch(index);
        seen.push(b.inputIds);
        return { inputIds: b.inputIds, attentionMask: b.attentionMask, labels: b.labels as number[][] };
      },
    });
    expect(records.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    for (const r of records) expect(Number.isFinite(r.loss)).toBe(true);
    // Epoch 0 has 5 documents: batches of 2, 2, 1; the 4th batch starts epoch 1.
    expect(seen.map((b) => b.length)).toEqual([2, 2, 1, 2]);
    expect(trainer.tokensSeen).toBe(seen.flat(2).filter((id) => id !== 0).length);
    trainer.dispose();
    model.dispose();
    await backend.dispose();
  });
});
