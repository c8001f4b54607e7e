/** Bad input gets a typed error that names the problem — one test per kind of bad input. */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertForPreTraining } from '@attnjs/bert';
import {
  type Backend,
  BackendError,
  ConfigError,
  InputError,
  MissingTensorError,
  SafetensorsError,
  ShapeMismatchError,
  UnsupportedError,
  readSafetensors,
  serializeSafetensors,
} from '@attnjs/core';
import { createOrtBackend } from '@attnjs/backend-ort';
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import { AttnError } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { fixtureDir } from './reference.js';

const GPT2 = fixtureDir('gpt2-tiny');
let backend: Backend;
const dirs: string[] = [];

/** A copy of gpt2-tiny whose files the test may break. */
function scratchModel(edit: { config?: (c: Record<string, unknown>) => void; weights?: Uint8Array; configText?: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'attn-bad-'));
  dirs.push(dir);
  const config = JSON.parse(readFileSync(join(GPT2, 'config.json'), 'utf8'));
  edit.config?.(config);
  writeFileSync(join(dir, 'config.json'), edit.configText ?? JSON.stringify(config));
  if (edit.weights) writeFileSync(join(dir, 'model.safetensors'), edit.weights);
  else copyFileSync(join(GPT2, 'model.safetensors'), join(dir, 'model.safetensors'));
  return dir;
}

async function weightsWithout(drop: string, replace?: [string, Float32Array | Int32Array, number[]]) {
  const file = await readSafetensors(join(GPT2, 'model.safetensors'));
  const tensors = new Map([...file.tensors].filter(([k]) => k !== drop).map(([k, t]) => [k, t.tensor] as const));
  if (replace) tensors.set(replace[0], { dtype: replace[1] instanceof Float32Array ? 'float32' : 'int32', data: replace[1], shape: replace[2] } as never);
  return serializeSafetensors(tensors);
}

beforeAll(async () => {
  backend = await ENGINES[0]!.create();
});
afterAll(async () => {
  await backend.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('loading', () => {
  it('missing config.json', async () => {
    const dir = scratchModel({});
    rmSync(join(dir, 'config.json'));
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(ConfigError);
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(/config\.json/);
  });

  it('config.json that is not JSON', async () => {
    const dir = scratchModel({ configText: '{"n_embd": 64,' });
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(/not valid JSON/);
  });

  it('config.json without a required field names the field', async () => {
    const dir = scratchModel({ config: (c) => delete c.n_embd });
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(ConfigError);
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(/"n_embd"/);
  });

  it('config.json with a field of the wrong type names the field', async () => {
    const dir = scratchModel({ config: (c) => (c.n_layer = 'two') });
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(/"n_layer" must be a non-negative integer/);
  });

  it('truncated safetensors', async () => {
    const whole = readFileSync(join(GPT2, 'model.safetensors'));
    const dir = scratchModel({ weights: whole.subarray(0, whole.length - 100) });
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(SafetensorsError);
  });

  it('a tensor missing from the checkpoint is named', async () => {
    const dir = scratchModel({ weights: await weightsWithout('transformer.h.1.mlp.c_fc.weight') });
    const error = await GPT2LMHeadModel.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingTensorError);
    expect(error.message).toContain('transformer.h.1.mlp.c_fc.weight');
  });

  it('a shape mismatch names the tensor, the expected and the actual shape', async () => {
    const dir = scratchModel({ config: (c) => (c.n_positions = 32) });
    const error = await GPT2LMHeadModel.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(ShapeMismatchError);
    expect(error.message).toBe('tensor "transformer.wpe.weight" has shape [64, 64], expected [32, 64]');
  });

  it('an integer tensor where weights are expected', async () => {
    const ints = new Int32Array(64);
    const dir = scratchModel({ weights: await weightsWithout('transformer.ln_f.bias', ['transformer.ln_f.bias', ints, [64]]) });
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(/integer tensor/);
  });

  it('unsupported config values are refused, not ignored', async () => {
    const dir = scratchModel({ config: (c) => (c.activation_function = 'swish') });
    await expect(GPT2LMHeadModel.fromPretrained(dir, { backend })).rejects.toThrow(/"activation_function" is "swish"/);
  });

  it('fromPretrained without a backend', async () => {
    await expect(GPT2LMHeadModel.fromPretrained(GPT2, {} as never)).rejects.toThrow(BackendError);
  });
});

describe('inputs', () => {
  let model: GPT2LMHeadModel;
  beforeAll(async () => {
    model = await GPT2LMHeadModel.fromPretrained(GPT2, { backend });
  });
  afterAll(() => model.dispose());

  it('ids outside the vocabulary are named with their position', async () => {
    await expect(model.forward({ inputIds: [[5, 6, 1000]] })).rejects.toThrow(InputError);
    await expect(model.forward({ inputIds: [[5, 6, 1000]] })).rejects.toThrow('input_ids[0][2] = 1000 is outside the valid range 0..999');
    await expect(model.forward({ inputIds: [[5, -1]] })).rejects.toThrow(/input_ids\[0\]\[1\] = -1/);
  });

  it('input longer than the position table', async () => {
    const ids = Array.from({ length: 65 }, (_, i) => i);
    await expect(model.forward({ inputIds: [ids] })).rejects.toThrow(/65 positions but the model's position table has 64/);
    await expect(model.generate(ids.slice(0, 64), { maxNewTokens: 1 })).resolves.toHaveLength(1);
    await expect(model.generate(ids.slice(0, 64), { maxNewTokens: 2 })).rejects.toThrow(InputError);
  });

  it('ragged batches, mismatched masks and labels', async () => {
    await expect(model.forward({ inputIds: [[1, 2], [3]] })).rejects.toThrow(ShapeMismatchError);
    await expect(model.forward({ inputIds: [[1, 2]], attentionMask: [[1]] })).rejects.toThrow(/attention_mask has shape \[1, 1\]/);
    await expect(model.forward({ inputIds: [[1, 2]], attentionMask: [[1, 2]] })).rejects.toThrow(/attention_mask\[0\]\[1\] = 2/);
    await expect(model.forward({ inputIds: [[1, 2]], labels: [[1, 1000]] })).rejects.toThrow(/labels\[0\]\[1\] = 1000/);
    await expect(model.forward({ inputIds: [[1.5, 2]] })).rejects.toThrow(/not an integer/);
  });

  it('unknown options are refused, not ignored', async () => {
    await expect(model.generate([1, 2], { maxNewTokens: 2, topP: 0.9 } as never)).rejects.toThrow(UnsupportedError);
    await expect(model.forward({ inputIds: [[1]], pastKeyValues: [] } as never)).rejects.toThrow(/"pastKeyValues"/);
  });

  it('BERT: token type ids outside the table, and a half-given pretraining loss', async () => {
    const bert = await BertForPreTraining.fromPretrained(fixtureDir('bert-tiny'), { backend });
    try {
      await expect(bert.forward({ inputIds: [[101, 102]], tokenTypeIds: [[0, 2]] })).rejects.toThrow(/token_type_ids\[0\]\[1\] = 2/);
      await expect(bert.forward({ inputIds: [[101, 102]], labels: [[-100, 5]] })).rejects.toThrow(/needs both labels and nextSentenceLabel/);
    } finally {
      bert.dispose();
    }
  });
});

describe('engines', () => {
  it('an unknown tfjs device is named, with the valid ones', async () => {
    const error = await createTfjsBackend({ device: 'tpu' as never }).catch((e) => e);
    expect(error).toBeInstanceOf(BackendError);
    expect(error.message).toMatch(/"tpu".*cpu, wasm, webgl, webgpu/);
  });

  it('webgl needs a browser: a typed error in Node, not a crash', async () => {
    await expect(createTfjsBackend({ device: 'webgl' })).rejects.toThrow(BackendError);
  });

  it('an unknown ONNX Runtime execution provider is named', async () => {
    const error = await createOrtBackend({ executionProviders: ['tpu'] }).catch((e) => e);
    expect(error).toBeInstanceOf(AttnError);
    expect(error.message).toContain('"tpu"');
  });

  it('something that is not ONNX Runtime passed as `ort`', async () => {
    await expect(createOrtBackend({ ort: {} as never })).rejects.toThrow(BackendError);
  });

  it('a disposed model says so instead of running', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(GPT2, { backend });
    model.dispose();
    await expect(model.forward({ inputIds: [[1, 2]] })).rejects.toThrow(/has no backend/);
  });
});
