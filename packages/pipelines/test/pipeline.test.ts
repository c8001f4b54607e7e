/**
 * The entry itself: task lookup, where the model comes from (folder or { model, tokenizer }), typed
 * errors for every way that can go wrong, who disposes what, and a task registered from outside.
 */
import { BertForMaskedLM, BertForSequenceClassification } from '@attnjs/bert';
import { BackendError, ConfigError, InputError, LoadError, UnsupportedError } from '@attnjs/core';
import { mkdtemp, copyFile, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, registerTask, supportedTasks, type TaskDefinition } from '../src/index.js';
import { ENGINES, bertTinyTokenizer, counts, fixture } from './helpers.js';

describe('pipeline()', () => {
  let backend: Awaited<ReturnType<(typeof ENGINES)[0]['create']>>;
  beforeAll(async () => {
    backend = await ENGINES[0]!.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  it('knows its tasks and refuses others by name', async () => {
    expect(supportedTasks()).toEqual(expect.arrayContaining(['feature-extraction', 'fill-mask', 'sentiment-analysis', 'text-classification', 'text-generation']));
    await expect(pipeline('summarization' as never, fixture('gpt2-hf-fake'), { backend })).rejects.toThrow(UnsupportedError);
    await expect(pipeline('summarization' as never, fixture('gpt2-hf-fake'), { backend })).rejects.toThrow(/unknown task "summarization" \(supported: .*fill-mask/);
  });

  it('needs a backend to load a folder, and says so', async () => {
    await expect(pipeline('text-generation', fixture('gpt2-hf-fake'))).rejects.toThrow(BackendError);
    await expect(pipeline('text-generation', fixture('gpt2-hf-fake'), { backend: {} as never })).rejects.toThrow(/needs \{ backend \}/);
  });

  it('refuses unknown options, bad sources and missing files with typed errors naming them', async () => {
    await expect(pipeline('fill-mask', fixture('bert-hf-tiniest'), { backend, device: 'cpu' })).rejects.toThrow(/"device"/);
    await expect(pipeline('fill-mask', 42 as never, { backend })).rejects.toThrow(InputError);
    await expect(pipeline('fill-mask', { model: {} as never, tokenizer: bertTinyTokenizer() })).rejects.toThrow(/source.model must be an attn.js model/);
    await expect(pipeline('fill-mask', fixture('no-such-model'), { backend })).rejects.toThrow(ConfigError);
    // A folder without tokenizer files (the head fixtures have none).
    await expect(pipeline('text-classification', fixture('heads/bert-seqcls'), { backend })).rejects.toThrow(LoadError);
    const before = counts(backend);
    await expect(pipeline('text-classification', fixture('heads/bert-seqcls'), { backend })).rejects.toThrow(/tokenizer/);
    expect(counts(backend)).toEqual(before);
  });

  it('picks config.json architectures[0] when the task runs it, else the class for model_type; modelOptions reach fromPretrained', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'attn-pipelines-'));
    try {
      for (const file of ['config.json', 'model.safetensors']) await copyFile(fixture(`heads/bert-seqcls/${file}`), join(dir, file));
      for (const file of ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) await copyFile(fixture(`bert-hf-tiniest/${file}`), join(dir, file));
      const classify = await pipeline('text-classification', dir, { backend });
      expect(classify.model.modelName).toBe('BertForSequenceClassification');
      classify.dispose();
      // fill-mask cannot run a sequence classifier: model_type bert → BertForMaskedLM, whose head the checkpoint lacks.
      await expect(pipeline('fill-mask', dir, { backend })).rejects.toThrow(/cls\.predictions/);
      const relabelled = await pipeline('text-classification', dir, { backend, modelOptions: { id2label: { 0: 'a', 1: 'b', 2: 'c' } }, topK: null });
      // bert-base-uncased ids run to 30521 but this model has 1000 rows; "!" is id 999.
      const labels = ((await relabelled('! !')) as { label: string }[]).map((r) => r.label).sort();
      expect(labels).toEqual(['a', 'b', 'c']);
      relabelled.dispose();
      await expect(pipeline('text-classification', dir, { backend, modelOptions: { numLabel: 2 } })).rejects.toThrow(/numLabel/);
      const config = JSON.parse(await (await import('node:fs/promises')).readFile(join(dir, 'config.json'), 'utf8'));
      await writeFile(join(dir, 'config.json'), JSON.stringify({ ...config, architectures: ['BertForPreTraining'], model_type: 'roberta' }));
      await expect(pipeline('text-classification', dir, { backend })).rejects.toThrow(/"BertForPreTraining" and model_type "roberta"/);
    } finally {
      await rm(dir, { recursive: true });
    }
  });

  it('a passed-in model is the caller\'s: dispose leaves it usable; a different backend option is refused', async () => {
    const model = await BertForMaskedLM.fromPretrained(fixture('bert-tiny'), { backend });
    const tokenizer = bertTinyTokenizer();
    const fill = await pipeline('fill-mask', { model, tokenizer });
    expect(fill.model).toBe(model);
    expect(fill.tokenizer).toBe(tokenizer);
    fill.dispose();
    await expect(fill('under [MASK]')).rejects.toThrow(/disposed/);
    const { logits } = await model.forward({ inputIds: [[101, 103, 102]] });
    expect(logits.shape).toEqual([1, 3, 1000]);
    const other = await ENGINES[0]!.create();
    await expect(pipeline('fill-mask', { model, tokenizer }, { backend: other })).rejects.toThrow(BackendError);
    await expect(pipeline('fill-mask', { model, tokenizer }, { modelOptions: {} })).resolves.toBeTypeOf('function');
    await expect(pipeline('fill-mask', { model, tokenizer }, { modelOptions: { initNewHeads: true } })).rejects.toThrow(UnsupportedError);
    await expect(pipeline('text-classification', { model, tokenizer })).rejects.toThrow(/cannot use a BertForMaskedLM/);
    await other.dispose();
    model.dispose();
  });

  it('pipeline options are defaults for every call, which a call overrides', async () => {
    const model = await BertForMaskedLM.fromPretrained(fixture('bert-tiny-sharp'), { backend });
    const fill = await pipeline('fill-mask', { model, tokenizer: bertTinyTokenizer() }, { topK: 2 });
    expect(await fill('under little [MASK] local')).toHaveLength(2);
    expect(await fill('under little [MASK] local', { topK: 4 })).toHaveLength(4);
    model.dispose();
  });

  it('truncates inputs to the position table: a 100-word text is classified as its first 62 words', async () => {
    const model = await BertForSequenceClassification.fromPretrained(fixture('heads/bert-seqcls'), { backend });
    const tokenizer = bertTinyTokenizer();
    const classify = await pipeline('text-classification', { model, tokenizer }, { topK: null });
    const words = Array.from({ length: 100 }, (_, i) => tokenizer.decode([104 + ((i * 37) % 896)]));
    expect(await classify(words.join(' '))).toEqual(await classify(words.slice(0, 62).join(' ')));
    expect(await classify(words.join(' '))).not.toEqual(await classify(words.slice(0, 61).join(' ')));
    model.dispose();
  });

  it('runs a task registered from outside, through the same checks', async () => {
    const echo: TaskDefinition = {
      task: 'token-count',
      architectures: [BertForSequenceClassification],
      modelTypes: {},
      accepts: () => true,
      callOptions: ['addSpecialTokens'],
      create: (context) => ({
        run: async (inputs, options) => context.tokenizer.encodeIds(inputs as string, { addSpecialTokens: options.addSpecialTokens as boolean | undefined }).length,
      }),
    };
    registerTask(echo);
    expect(supportedTasks()).toContain('token-count');
    const model = await BertForMaskedLM.fromPretrained(fixture('bert-tiny'), { backend });
    const count = await pipeline('token-count', { model, tokenizer: bertTinyTokenizer() });
    expect(await count('under little local')).toBe(5);
    expect(await count('under little local', { addSpecialTokens: false })).toBe(3);
    await expect(count('under', { other: 1 })).rejects.toThrow(UnsupportedError);
    model.dispose();
  });
});
