/**
 * Training, checked against Hugging Face `tokenizers` (the Rust library's Node binding):
 * - a byte-level BPE and a WordPiece vocabulary trained here on tinyshakespeare (minus 100 held-out
 *   lines) load in HF and in this package and encode the held-out lines to the same ids;
 * - HF's own BpeTrainer / WordPieceTrainer on the same text learn exactly our vocabulary and merges.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Tokenizer,
  TokenizerOptionError,
  saveTokenizerJSON,
  trainBPE,
  trainBPEFromFile,
  trainWordPiece,
  TrainerOptionError,
  type TrainedTokenizerJSON,
  type TrainProgress,
} from '../src/index.js';
import { trainWordPieceWith } from '../src/train/wordpiece.js';

// The binding is CommonJS with a native addon; createRequire keeps vitest from transforming it.
const hf = createRequire(import.meta.url)('tokenizers') as typeof import('tokenizers');

const text = readFileSync(new URL('../../../testdata/data/tinyshakespeare.txt', import.meta.url), 'utf8');
const lines = text.split('\n');
// Held out: the last 100 non-empty lines. Training text: everything before the first of them.
const nonEmpty = lines.flatMap((line, index) => (line.trim() ? [index] : []));
const firstHeldOut = nonEmpty[nonEmpty.length - 100];
const heldOut = nonEmpty.slice(-100).map((index) => lines[index]);
const trainText = lines.slice(0, firstHeldOut).join('\n') + '\n';

const dir = mkdtempSync(join(tmpdir(), 'attn-train-'));
const trainFile = join(dir, 'train.txt');
writeFileSync(trainFile, trainText);

/** Our vocabulary as tokens by id. */
const tokensById = (json: { model: { vocab: Record<string, number> } }) =>
  Object.entries(json.model.vocab)
    .sort((a, b) => a[1] - b[1])
    .map(([token]) => token);

/** Trains with HF's default trainer of `model` (vocab 30000, min frequency 0, no special tokens). */
function hfTrain(tokenizer: InstanceType<typeof hf.Tokenizer>, name: string) {
  tokenizer.train([trainFile]);
  const path = join(dir, `${name}.json`);
  tokenizer.save(path);
  return JSON.parse(readFileSync(path, 'utf8'));
}

async function expectSameIds(json: TrainedTokenizerJSON, name: string) {
  const path = join(dir, `${name}.tokenizer.json`);
  await saveTokenizerJSON(json, path);
  const theirs = hf.Tokenizer.fromFile(path);
  const ours = Tokenizer.fromJSON(JSON.parse(readFileSync(path, 'utf8')));
  let tokens = 0;
  for (const addSpecialTokens of [false, true]) {
    for (const line of heldOut) {
      const expected = await theirs.encode(line, null, { addSpecialTokens });
      const actual = ours.encode(line, { addSpecialTokens });
      expect(actual.ids, `${name} ${JSON.stringify(line)}`).toEqual(expected.getIds());
      expect(actual.tokens).toEqual(expected.getTokens());
      tokens += actual.ids.length;
    }
  }
  return tokens;
}

describe('trainBPE (byte-level, GPT-2 style)', () => {
  let json: TrainedTokenizerJSON;
  const progress: TrainProgress[] = [];
  beforeAll(async () => {
    json = await trainBPE(trainText, { vocabSize: 4000, onProgress: (p) => progress.push(p) });
  });

  it('has the special token, the 256 byte symbols and vocabSize entries', () => {
    const vocab = tokensById(json);
    expect(vocab.length).toBe(4000);
    expect(vocab[0]).toBe('<|endoftext|>');
    expect(json.model.merges).toHaveLength(4000 - 257);
    expect(json.added_tokens).toEqual([
      { id: 0, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
    ]);
  });

  it('encodes 100 held-out lines to the same ids in HF tokenizers and here', async () => {
    const tokens = await expectSameIds(json, 'bpe');
    const chars = heldOut.reduce((n, line) => n + line.length, 0);
    // A learnt vocabulary compresses: far fewer tokens than characters (bytes would be 1:1).
    expect(tokens / 2).toBeLessThan(chars / 3);
  });

  it('round-trips held-out lines through HF decode', async () => {
    const theirs = hf.Tokenizer.fromString(JSON.stringify(json));
    for (const line of heldOut.slice(0, 20)) {
      const ids = Tokenizer.fromJSON(json).encode(line).ids;
      expect(await theirs.decode(ids, false)).toBe(line);
    }
  });

  it('equals HF BpeTrainer: same vocabulary and merges, in the same order', async () => {
    const model = hf.BPE.empty();
    const tokenizer = new hf.Tokenizer(model);
    tokenizer.setPreTokenizer(hf.byteLevelPreTokenizer(false, true));
    const theirs = hfTrain(tokenizer, 'hf-bpe');
    // HF's Node binding trains with BpeTrainer's defaults: vocab 30000, no initial alphabet, no specials.
    const ours = await trainBPE(trainText, { vocabSize: 30000, initialAlphabet: [], specialTokens: [] });
    const theirMerges = (theirs.model.merges as (string | string[])[]).map((m) => (Array.isArray(m) ? m.join(' ') : m));
    expect(theirMerges.length).toBeGreaterThan(15000);
    expect(ours.model.merges).toEqual(theirMerges);
    expect(tokensById(ours)).toEqual(tokensById(theirs));
    // The 256-symbol alphabet and the special token shift ids but not the order of merges.
    expect(json.model.merges).toEqual(theirMerges.slice(0, json.model.merges.length));
  });

  it('reports progress for each phase', () => {
    const phases = [...new Set(progress.map((p) => p.phase))];
    expect(phases).toEqual(['read', 'count-pairs', 'merge']);
    const last = progress[progress.length - 1];
    expect(last).toEqual({ phase: 'merge', done: 4000 - 257, total: 4000 - 257 });
    for (const p of progress) if (p.total !== undefined) expect(p.done).toBeLessThanOrEqual(p.total);
  });

  it('minFrequency stops at the first pair seen fewer times: a prefix of the full merge list', async () => {
    const few = await trainBPE(trainText, { vocabSize: 4000, minFrequency: 200 });
    expect(few.model.merges.length).toBeGreaterThan(50);
    expect(few.model.merges.length).toBeLessThan(json.model.merges.length);
    expect(few.model.merges).toEqual(json.model.merges.slice(0, few.model.merges.length));
  });

  it('reads files and async iterables like the same text as a string', async () => {
    const fromFile = await trainBPEFromFile(trainFile, { vocabSize: 600 });
    async function* chunks() {
      for (const line of trainText.split(/(?<=\n)/)) yield line;
    }
    const fromIterable = await trainBPE(chunks(), { vocabSize: 600 });
    expect(fromFile.model.merges).toEqual(json.model.merges.slice(0, 600 - 257));
    expect(fromIterable.model.merges).toEqual(fromFile.model.merges);
  });
});

describe('trainWordPiece (BERT style)', () => {
  let json: TrainedTokenizerJSON;
  beforeAll(async () => {
    json = await trainWordPiece(trainText, { vocabSize: 4000 });
  });

  it('starts with the five BERT special tokens and has vocabSize entries', () => {
    const vocab = tokensById(json);
    expect(vocab.slice(0, 5)).toEqual(['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]']);
    expect(vocab.length).toBe(4000);
    expect(vocab).toContain('##ing');
  });

  it('encodes 100 held-out lines to the same ids in HF tokenizers and here', async () => {
    await expectSameIds(json, 'wordpiece');
    const encoding = Tokenizer.fromJSON(json).encode(heldOut[0]);
    expect(encoding.tokens[0]).toBe('[CLS]');
    expect(encoding.tokens[encoding.tokens.length - 1]).toBe('[SEP]');
  });

  it('equals HF WordPieceTrainer once the ##c symbols get the same ids', async () => {
    const tokenizer = new hf.Tokenizer(hf.WordPiece.empty());
    tokenizer.setNormalizer(hf.bertNormalizer({ lowercase: true }));
    tokenizer.setPreTokenizer(hf.bertPreTokenizer());
    const theirVocab: string[] = tokensById(hfTrain(tokenizer, 'hf-wordpiece'));
    // HF numbers the `##c` symbols in hash-map order, which changes from run to run (so HF's own
    // vocabularies differ between runs once ties are involved); hand ours the order HF used.
    const order = theirVocab.filter((token) => token.startsWith('##') && [...token].length === 3);
    const ours = await trainWordPieceWith(trainText, { vocabSize: 30000 + 5 }, order);
    // Our five special tokens come first and shift every id by 5 without changing any tie-break.
    expect(tokensById(ours).slice(5)).toEqual(theirVocab);

    // With our default (code point) order the vocabularies are the same size up to ties; report it.
    const sorted = tokensById(await trainWordPiece(trainText, { vocabSize: 30000 + 5 })).slice(5);
    const theirSet = new Set(theirVocab);
    const shared = sorted.filter((token) => theirSet.has(token)).length;
    console.info(`WordPiece vs HF with default symbol order: ${shared}/${theirVocab.length} tokens shared`);
    expect(shared / theirVocab.length).toBeGreaterThan(0.99);
  });
});

describe('training options', () => {
  it('rejects a vocabulary smaller than special tokens + alphabet before reading the corpus', async () => {
    const never = (async function* () {
      throw new Error('the corpus must not be read');
    })();
    await expect(trainBPE(never, { vocabSize: 200 })).rejects.toThrow(TrainerOptionError);
    await expect(trainBPE('x', { vocabSize: 256 })).rejects.toThrow(/vocabSize.*at least 257/);
    await expect(trainWordPiece(trainText, { vocabSize: 20 })).rejects.toThrow(/vocabSize.*at least/);
  });

  it('rejects bad values with a typed error naming the option', async () => {
    const cases: [object, string][] = [
      [{ vocabSize: 1000.5 }, 'vocabSize'],
      [{ vocabSize: '1000' }, 'vocabSize'],
      [{ minFrequency: -1 }, 'minFrequency'],
      [{ specialTokens: ['<s>', '<s>'] }, 'specialTokens'],
      [{ specialTokens: [''] }, 'specialTokens'],
      [{ initialAlphabet: ['ab'] }, 'initialAlphabet'],
      [{ limitAlphabet: -2 }, 'limitAlphabet'],
      [{ vocab_size: 1000 }, 'vocab_size'],
      [{ onProgress: 'yes' }, 'onProgress'],
    ];
    for (const [options, option] of cases) {
      const error = await trainBPE('some text', options as never).catch((e: unknown) => e);
      expect(error, JSON.stringify(options)).toBeInstanceOf(TrainerOptionError);
      expect(error).toBeInstanceOf(TokenizerOptionError);
      expect((error as TrainerOptionError).option).toBe(option);
    }
    await expect(trainWordPiece('text', { specialTokens: ['[PAD]'] })).rejects.toThrow(/\[UNK\]/);
    await expect(trainBPE(42 as never)).rejects.toThrow(TrainerOptionError);
    await expect(trainBPEFromFile(join(dir, 'missing.txt'))).rejects.toThrow(/missing\.txt/);
  });

  it('imports no Node module statically (the package must bundle for browsers)', () => {
    const folder = new URL('../src/train/', import.meta.url);
    for (const file of readdirSync(folder)) {
      const source = readFileSync(new URL(file, folder), 'utf8');
      expect(source, file).not.toMatch(/^import[^;]*from\s+['"]node:/m);
    }
  });
});
