/**
 * Checkpoints attn.js writes are Hugging Face checkpoints: plain PyTorch (Debian's python3-torch, no
 * transformers) loads the default models that attn.js trained and saved, through models/load_in_pytorch.py,
 * and its logits equal attn.js's within float32 noise.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { BertForMaskedLM, BertForSequenceClassification } from '@attnjs/bert';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PYTHON = '/usr/bin/python3';
const hasTorch = spawnSync(PYTHON, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

function torchLogits(folder: string, ids: number[][]): { shape: number[]; logits: number[] } {
  const out = execFileSync(PYTHON, [`${ROOT}models/load_in_pytorch.py`, `${ROOT}models/${folder}`, JSON.stringify(ids)], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return JSON.parse(out);
}

function expectClose(got: ArrayLike<number>, want: number[]): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!) / (1 + Math.abs(want[i]!)));
  expect(worst).toBeLessThan(1e-4);
}

const IDS = [[17, 300, 42, 5, 999, 64, 128, 7]];
const CASES = [
  { folder: 'shakespeare-gpt', load: GPT2LMHeadModel.fromPretrained.bind(GPT2LMHeadModel) },
  { folder: 'sst2-bert', load: BertForSequenceClassification.fromPretrained.bind(BertForSequenceClassification) },
  { folder: 'sst2-bert/pretrained', load: BertForMaskedLM.fromPretrained.bind(BertForMaskedLM) },
];

describe('attn.js checkpoints load in plain PyTorch', () => {
  for (const { folder, load } of CASES) {
    it(`models/${folder}: PyTorch's logits equal attn.js's`, async () => {
      expect(hasTorch, `PyTorch for ${PYTHON} (pnpm test installs it: tests/ensure-system.mjs)`).toBe(true);
      const backend = await createTfjsBackend({ device: 'cpu' });
      const model = await load(`${ROOT}models/${folder}`, { backend });
      const ids = folder.startsWith('sst2') ? [[2, ...IDS[0]!, 3]] : IDS; // [CLS] … [SEP] for BERT
      const { logits } = await model.forward({ inputIds: ids });
      const reference = torchLogits(folder, ids);
      expect(logits.shape).toEqual(reference.shape);
      expectClose(logits.data, reference.logits);
      model.dispose();
      await backend.dispose();
    });
  }
});
