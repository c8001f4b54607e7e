/** generation_config.json is read from the model folder when present, as Hugging Face's from_pretrained does. */
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { ConfigError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { describe, expect, it } from 'vitest';
import { fixtureDir } from './reference.js';

describe('generation_config.json', () => {
  it("is read when the folder has one; otherwise config.json's token ids, as HF's from_model_config", async () => {
    const backend = await createTfjsBackend({ device: 'cpu' });
    const fake = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-hf-fake'), { backend });
    expect(fake.generationConfig).toMatchObject({ bos_token_id: 50256, eos_token_id: 50256 });
    const tiny = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
    expect(tiny.generationConfig).toEqual({ bos_token_id: 999, eos_token_id: 999 });
    fake.dispose();
    tiny.dispose();
    await backend.dispose();
  });

  it('a broken one is a ConfigError naming the file, and frees the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attn-gencfg-'));
    try {
      for (const f of ['config.json', 'model.safetensors']) copyFileSync(join(fixtureDir('gpt2-tiny'), f), join(dir, f));
      writeFileSync(join(dir, 'generation_config.json'), '{"eos_token_id": 3,');
      const backend = await createTfjsBackend({ device: 'cpu' });
      const before = backend.memory().tensors;
      await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(ConfigError);
      await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(/generation_config\.json is not valid JSON/);
      expect(backend.memory().tensors).toBe(before);
      await backend.dispose();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
