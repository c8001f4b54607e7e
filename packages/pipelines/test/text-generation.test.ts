/**
 * text-generation against the fixtures' greedy references: the expected text is the fixture tokenizer's
 * decode of the reference tokens (computed by the PyTorch generator, not by attn.js).
 */
import { AbortError, GenerationConfigError, InputError, UnsupportedError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { Tokenizer } from '@attnjs/tokenizers';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type TextGenerationPipeline } from '../src/index.js';
import { ENGINES, HOST_SIDE_ENGINE, counts, fixture, gpt2TinyFiles, gpt2TinyTokenizer, reference, wordTokenizer } from './helpers.js';

const tiny = reference('gpt2-tiny');
const fake = reference('gpt2-hf-fake');
const tokenizer = gpt2TinyTokenizer();
// gpt2-tiny's prompts whose text encodes back to the same ids (the others start with lone bytes).
const cases = (tiny.generation as { prompt: number[]; new_tokens: number[] }[]).filter((g) => {
  const ids = tokenizer.encodeIds(tokenizer.decode(g.prompt));
  return ids.length === g.prompt.length && ids.every((id, i) => id === g.prompt[i]);
});

for (const engine of ENGINES) {
  describe(`text-generation on ${engine.name}`, () => {
    let backend: Awaited<ReturnType<typeof engine.create>>;
    let model: GPT2LMHeadModel;
    let generate: TextGenerationPipeline;
    beforeAll(async () => {
      backend = await engine.create();
      model = await GPT2LMHeadModel.fromPretrained(fixture('gpt2-tiny'), { backend });
      generate = await pipeline('text-generation', { model, tokenizer });
    });
    afterAll(async () => {
      generate.dispose();
      model.dispose();
      await backend.dispose();
    });

    it('has prompts to test', () => expect(cases.length).toBe(2));

    it('greedy text is the reference tokens decoded, full text by default and the continuation alone on request', async () => {
      for (const g of cases) {
        const prompt = tokenizer.decode(g.prompt);
        const full = await generate(prompt, { maxNewTokens: 12 });
        expect(full).toEqual([{ generated_text: tokenizer.decode([...g.prompt, ...g.new_tokens]) }]);
        const continuation = await generate(prompt, { maxNewTokens: 12, returnFullText: false });
        expect(continuation).toEqual([{ generated_text: tokenizer.decode(g.new_tokens) }]);
      }
    });

    it('gpt2-tiny-sharp (varied tokens): a batch of both reference prompts gives their reference texts', async () => {
      const words = wordTokenizer();
      const sharp = await GPT2LMHeadModel.fromPretrained(fixture('gpt2-tiny-sharp'), { backend });
      const pipe = await pipeline('text-generation', { model: sharp, tokenizer: words });
      const generation = reference('gpt2-tiny-sharp').generation as { prompt: number[]; new_tokens: number[] }[];
      const got = await pipe(generation.map((g) => words.decode(g.prompt)), { maxNewTokens: 12 });
      expect(got).toEqual(generation.map((g) => [{ generated_text: words.decode([...g.prompt, ...g.new_tokens]) }]));
      pipe.dispose();
      sharp.dispose();
    });

    it('a batch of prompts gives each its own reference text, whatever the batch size', async () => {
      const prompts = cases.map((g) => tokenizer.decode(g.prompt));
      const want = cases.map((g) => [{ generated_text: tokenizer.decode(g.new_tokens) }]);
      expect(await generate(prompts, { maxNewTokens: 12, returnFullText: false })).toEqual(want);
      expect(await generate(prompts, { maxNewTokens: 12, returnFullText: false, batchSize: 1 })).toEqual(want);
    });

    it('passes generate options on: maxNewTokens cuts the reference, numReturnSequences returns that many sampled texts', async () => {
      const g = cases[0]!;
      const prompt = tokenizer.decode(g.prompt);
      expect(await generate(prompt, { maxNewTokens: 3, returnFullText: false })).toEqual([{ generated_text: tokenizer.decode(g.new_tokens.slice(0, 3)) }]);
      const sampled = await generate(prompt, { maxNewTokens: 4, doSample: true, seed: 7, numReturnSequences: 3 });
      expect(sampled).toHaveLength(3);
      for (const s of sampled as { generated_text: string }[]) expect(s.generated_text.startsWith(prompt)).toBe(true);
      // The same seed draws the same texts.
      expect(await generate(prompt, { maxNewTokens: 4, doSample: true, seed: 7, numReturnSequences: 3 })).toEqual(sampled);
      await expect(generate(prompt, { topK: 5 })).rejects.toThrow(GenerationConfigError);
    });

    it('streams the prompt, then pieces that join into the reference continuation', async () => {
      const g = cases[1]!;
      const prompt = tokenizer.decode(g.prompt);
      const pieces: string[] = [];
      for await (const piece of generate.stream(prompt, { maxNewTokens: 12 })) pieces.push(piece);
      expect(pieces[0]).toBe(prompt);
      expect(pieces.length).toBeGreaterThan(2);
      expect(pieces.slice(1).join('')).toBe(tokenizer.decode(g.new_tokens));
      const only: string[] = [];
      for await (const piece of generate.stream(prompt, { maxNewTokens: 12, returnFullText: false })) only.push(piece);
      expect(only.join('')).toBe(tokenizer.decode(g.new_tokens));
    });

    it.runIf(engine.name === HOST_SIDE_ENGINE)('refuses bad input and unknown options with typed errors', async () => {
      await expect(generate('')).rejects.toThrow(InputError);
      await expect(generate(42 as never)).rejects.toThrow(InputError);
      await expect(generate([])).rejects.toThrow(InputError);
      await expect(generate('hello', { maxNewToken: 3 } as never)).rejects.toThrow(/maxNewToken/);
      await expect(generate('hello', { maxNewToken: 3 } as never)).rejects.toThrow(UnsupportedError);
      const stream = generate.stream('hello', { numBeams: 2 });
      await expect(stream.next()).rejects.toThrow(UnsupportedError);
    });

    it('loads gpt2-hf-fake (model, tokenizer, generation_config.json), matches its reference continuation, holds nothing per call, frees the model on dispose', async () => {
      const before = counts(backend);
      const fromFolder = await pipeline('text-generation', fixture('gpt2-hf-fake'), { backend });
      expect(fromFolder.model.modelName).toBe('GPT2LMHeadModel');
      const own = await Tokenizer.fromFile(fixture('gpt2-hf-fake/tokenizer.json'));
      const g = fake.generation;
      const [result] = await fromFolder(g.prompt_text, { maxNewTokens: g.max_new_tokens });
      expect(result).toEqual({ generated_text: g.prompt_text + own.decode(g.new_tokens) });
      const warm = counts(backend);
      await fromFolder([g.prompt_text, 'Hello'], { maxNewTokens: 3 });
      for await (const piece of fromFolder.stream('Hello', { maxNewTokens: 2 })) expect(typeof piece).toBe('string');
      // Leaving a stream early, and aborting, free the decoding session too.
      for await (const piece of fromFolder.stream('Hello', { maxNewTokens: 5, returnFullText: false })) {
        expect(piece.length).toBeGreaterThan(0);
        break;
      }
      const controller = new AbortController();
      controller.abort();
      await expect(fromFolder('Hello', { maxNewTokens: 5, signal: controller.signal })).rejects.toThrow(AbortError);
      expect(counts(backend)).toEqual(warm);
      fromFolder.dispose();
      fromFolder.dispose(); // idempotent
      expect(counts(backend)).toEqual(before);
      await expect(fromFolder('Once upon a time')).rejects.toThrow(/disposed/);
    });
  });
}

describe('text-generation defaults', () => {
  it("come from the folder's generation_config.json (max_new_tokens), and a call's options win", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attn-textgen-'));
    const backend = await ENGINES[0]!.create();
    try {
      for (const file of ['config.json', 'model.safetensors']) await copyFile(fixture(`gpt2-tiny/${file}`), join(dir, file));
      // The test tokenizer's files, as vocab.json + merges.txt (Tokenizer.fromDir reads them when there is no tokenizer.json).
      const { vocab, merges } = gpt2TinyFiles();
      await writeFile(join(dir, 'vocab.json'), JSON.stringify(vocab));
      await writeFile(join(dir, 'merges.txt'), merges);
      await writeFile(join(dir, 'generation_config.json'), JSON.stringify({ max_new_tokens: 3, eos_token_id: 999 }));
      const generate = await pipeline('text-generation', dir, { backend, returnFullText: false });
      const g = cases[0]!;
      const prompt = tokenizer.decode(g.prompt);
      expect(await generate(prompt)).toEqual([{ generated_text: tokenizer.decode(g.new_tokens.slice(0, 3)) }]);
      expect(await generate(prompt, { maxNewTokens: 5 })).toEqual([{ generated_text: tokenizer.decode(g.new_tokens.slice(0, 5)) }]);
      generate.dispose();
    } finally {
      await rm(dir, { recursive: true });
      await backend.dispose();
    }
  });
});
