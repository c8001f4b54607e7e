/**
 * The decoder attn.js exports (Optimum's text-generation-with-past layout) loads in transformers.js, a
 * library nobody here wrote, and generates attn.js's tokens; its logits match attn.js's cached steps.
 * Local files only: remote models are off.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOrtBackend, exportOnnx } from '@attnjs/backend-ort';
import { type Backend, hostTensor } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { AutoModelForCausalLM, Tensor, env } from '@huggingface/transformers';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectClose, fixtureDir, readReference } from './reference.js';

const int64 = (ids: number[]) => new Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, ids.length]);

describe.each(['gpt2-hf-fake', 'gpt2-tiny-sharp'])('transformers.js runs the exported %s decoder', (name) => {
  let root: string;
  let backend: Backend;
  let model: GPT2LMHeadModel;
  // biome-ignore lint: transformers.js's model type is not exported in a usable form
  let theirs: any;
  const generation = [readReference(name).generation].flat();

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'attn-tjs-'));
    mkdirSync(join(root, name, 'onnx'), { recursive: true });
    copyFileSync(join(fixtureDir(name), 'config.json'), join(root, name, 'config.json'));
    backend = await createOrtBackend({ ort });
    model = await GPT2LMHeadModel.fromPretrained(fixtureDir(name), { backend });
    await exportOnnx(model, join(root, name, 'onnx', 'model.onnx'));
    env.allowRemoteModels = false;
    env.localModelPath = `${root}/`;
    theirs = await AutoModelForCausalLM.from_pretrained(name, { dtype: 'fp32', local_files_only: true });
  });
  afterAll(async () => {
    await theirs?.dispose();
    model.dispose();
    await backend.dispose();
    rmSync(root, { recursive: true, force: true });
  });

  it('greedy generate gives attn.js tokens (and the PyTorch reference)', async () => {
    for (const c of generation) {
      const out = await theirs.generate({ input_ids: int64(c.prompt), max_new_tokens: c.max_new_tokens, do_sample: false });
      const tokens = out.tolist()[0].map(Number);
      const [ours] = await model.generate(c.prompt, { maxNewTokens: c.max_new_tokens });
      expect(tokens).toEqual(ours);
      expect(tokens.slice(c.prompt.length)).toEqual(c.new_tokens);
    }
  });

  it("each cached step's logits are within 1e-4 of transformers.js's", async () => {
    const c = generation[0];
    const sequence: number[] = [...c.prompt, ...c.new_tokens];
    const session = model.startSession(1, { useCache: true });
    try {
      const V = model.config.vocabSize;
      for (let n = c.prompt.length; n <= sequence.length; n++) {
        const fresh = n === c.prompt.length ? sequence.slice(0, n) : [sequence[n - 1]!];
        const ours = await session.step(
          hostTensor(Int32Array.from(fresh), [1, fresh.length]),
          hostTensor(new Int32Array(n).fill(1), [1, n]),
        );
        const { logits } = await theirs({ input_ids: int64(sequence.slice(0, n)), attention_mask: int64(Array(n).fill(1)) });
        const last = (logits.data as Float32Array).subarray((n - 1) * V, n * V);
        expectClose(ours.data, last, 1e-4, `logits after ${n} tokens`);
      }
    } finally {
      session.dispose();
    }
  });
});
