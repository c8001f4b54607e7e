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
import { AttnError, GenerationConfigError } from '@attnjs/core';
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

  it.each([
    ['activation_function', 'toString', /"activation_function" is "toString"; supported/],
    ['activation_function', '__proto__', /"activation_function" is "__proto__"; supported/],
    ['n_head', 3, /"n_embd" \(64\) must be divisible by "n_head" \(3\)/],
    ['n_head', 0, /"n_head" must be a positive integer/],
    ['layer_norm_epsilon', -1, /"layer_norm_epsilon" must be greater than 0, got -1/],
    ['layer_norm_epsilon', 0, /"layer_norm_epsilon" must be greater than 0, got 0/],
    ['layer_norm_epsilon', '1e-5', /"layer_norm_epsilon" must be a number, got "1e-5"/],
    ['n_positions', 64.5, /"n_positions" must be a non-negative integer, got 64\.5/],
    ['n_layer', 1e9, /"n_layer" must be a positive integer up to 10000, got 1000000000/],
    ['vocab_size', 2 ** 40, /"vocab_size" must be a positive integer up to 2147483647/],
    ['n_inner', [[[1]]], /"n_inner" must be a non-negative integer, got an array of 1/],
  ])('GPT-2 config %s = %j is a ConfigError naming the field', async (field, value, message) => {
    const dir = scratchModel({ config: (c) => (c[field] = value) });
    const error = await GPT2LMHeadModel.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(message);
  });

  it('sizes are checked against the checkpoint before any weight is allocated', async () => {
    // 2^31 − 1 rows of 64 floats would be 512 GiB: the shape check must come first.
    const dir = scratchModel({ config: (c) => (c.vocab_size = 2 ** 31 - 1) });
    const error = await GPT2LMHeadModel.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(ShapeMismatchError);
    expect(error.message).toBe('tensor "transformer.wte.weight" has shape [1000, 64], expected [2147483647, 64]');
    const wide = scratchModel({ config: (c) => ((c.n_embd = 2 ** 30), (c.n_head = 1)) });
    await expect(GPT2LMHeadModel.fromPretrained(wide, { backend })).rejects.toThrow(ShapeMismatchError);
  });

  it('BERT config: heads, epsilon and activation are checked', async () => {
    const bertDir = (edit: (c: Record<string, unknown>) => void) => {
      const dir = mkdtempSync(join(tmpdir(), 'attn-bad-bert-'));
      dirs.push(dir);
      const config = JSON.parse(readFileSync(join(fixtureDir('bert-tiny'), 'config.json'), 'utf8'));
      edit(config);
      writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
      copyFileSync(join(fixtureDir('bert-tiny'), 'model.safetensors'), join(dir, 'model.safetensors'));
      return dir;
    };
    const cases: [(c: Record<string, unknown>) => void, RegExp][] = [
      [(c) => (c.num_attention_heads = 3), /"hidden_size" \(64\) must be divisible by "num_attention_heads" \(3\)/],
      [(c) => (c.layer_norm_eps = -1), /"layer_norm_eps" must be greater than 0/],
      [(c) => (c.hidden_act = 'constructor'), /"hidden_act" is "constructor"; supported: gelu, gelu_new, gelu_pytorch_tanh/],
      [(c) => (c.type_vocab_size = 0), /"type_vocab_size" must be a positive integer/],
      [(c) => (c.num_hidden_layers = -2), /"num_hidden_layers" must be a non-negative integer, got -2/],
    ];
    for (const [edit, message] of cases) {
      const error = await BertForPreTraining.fromPretrained(bertDir(edit), { backend }).catch((e) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toMatch(message);
    }
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
    // Prompt and new tokens share the position table.
    await expect(model.generate(ids.slice(0, 63), { maxNewTokens: 1 })).resolves.toHaveLength(1);
    await expect(model.generate(ids.slice(0, 63), { maxNewTokens: 2 })).rejects.toThrow(/maxNewTokens = 2 after a 63-position prompt exceeds the model's 64 positions/);
    await expect(model.generate(ids.slice(0, 64), { maxNewTokens: 1 })).rejects.toThrow(InputError);
  });

  it('ragged batches, mismatched masks and labels', async () => {
    await expect(model.forward({ inputIds: [[1, 2], [3]] })).rejects.toThrow(ShapeMismatchError);
    await expect(model.forward({ inputIds: [[1, 2]], attentionMask: [[1]] })).rejects.toThrow(/attention_mask has shape \[1, 1\]/);
    await expect(model.forward({ inputIds: [[1, 2]], attentionMask: [[1, 2]] })).rejects.toThrow(/attention_mask\[0\]\[1\] = 2/);
    await expect(model.forward({ inputIds: [[1, 2]], labels: [[1, 1000]] })).rejects.toThrow(/labels\[0\]\[1\] = 1000/);
    await expect(model.forward({ inputIds: [[1.5, 2]] })).rejects.toThrow(/not an integer/);
  });

  it('unknown options are refused, not ignored', async () => {
    await expect(model.generate([1, 2], { maxNewTokens: 2, topp: 0.9 } as never)).rejects.toThrow(UnsupportedError);
    await expect(model.generate([1, 2], { maxNewTokens: 2, topP: 0.9 })).rejects.toThrow(/topP only applies when sampling/);
    await expect(model.forward({ inputIds: [[1]], pastKeyValues: [] } as never)).rejects.toThrow(/"pastKeyValues"/);
  });

  it('missing or malformed inputs are InputErrors naming the input, not TypeErrors', async () => {
    await expect(model.forward({} as never)).rejects.toThrow('inputIds (input_ids) is required');
    await expect(model.forward(undefined as never)).rejects.toThrow(InputError);
    await expect(model.forward({ inputIds: 'hello' } as never)).rejects.toThrow(/input_ids must be an array of ids or an int32 host tensor, got "hello"/);
    await expect(model.forward({ inputIds: [[1, '2']] } as never)).rejects.toThrow(/input_ids\[0\]\[1\] = "2" is not an integer/);
    await expect(model.forward({ inputIds: [1, [2]] } as never)).rejects.toThrow(/input_ids\[0\]\[1\] is an array/);
    const tensor = { dtype: 'int32', shape: [1, 1000], data: new Int32Array(2) } as const;
    await expect(model.forward({ inputIds: tensor })).rejects.toThrow('input_ids has shape [1, 1000] but 2 values');
  });

  it('ids nested thousands deep are an InputError, not a stack overflow', async () => {
    let nested: unknown = [1];
    for (let i = 0; i < 5000; i++) nested = [nested];
    const error = await model.forward({ inputIds: nested as never }).catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.message).toBe('input_ids[0][0] is an array: ids are at most [batch, sequence]');
  });

  it('outputHiddenStates must be a boolean', async () => {
    await expect(model.forward({ inputIds: [[1]], outputHiddenStates: 'yes' as never })).rejects.toThrow(
      'GPT2LMHeadModel.forward: outputHiddenStates must be true or false, got "yes"',
    );
  });

  it('generate: a negative maxNewTokens is a GenerationConfigError; no options means HF defaults (maxLength 20)', async () => {
    await expect(model.generate([1, 2], { maxNewTokens: -1 })).rejects.toThrow(GenerationConfigError);
    await expect(model.generate([1, 2], { maxNewTokens: -1 })).rejects.toThrow('generate option maxNewTokens = -1 must be an integer ≥ 1');
    const [row] = await model.generate([1, 2], undefined);
    expect(row!.length).toBeLessThanOrEqual(20);
  });

  it('messages name the model class as written, not as a bundler renamed it', async () => {
    await expect(model.forward({ inputIds: [[1]], bogus: 1 } as never)).rejects.toThrow(/^GPT2LMHeadModel\.forward does not support the option "bogus"/);
    expect(model.modelName).toBe('GPT2LMHeadModel');
  });

  it('BERT: a float32 nextSentenceLabel and a string outputHiddenStates are InputErrors', async () => {
    const bert = await BertForPreTraining.fromPretrained(fixtureDir('bert-tiny'), { backend });
    try {
      const nsp = { dtype: 'float32', shape: [1], data: new Float32Array([0.5]) } as never;
      await expect(bert.forward({ inputIds: [[101, 102]], labels: [[-100, 5]], nextSentenceLabel: nsp })).rejects.toThrow(
        'next_sentence_label must be int32',
      );
      await expect(bert.forward({ inputIds: [[101, 102]], labels: [[-100, 5]], nextSentenceLabel: [0.5] })).rejects.toThrow(
        'next_sentence_label[0] = 0.5 is not an integer',
      );
      await expect(bert.forward({ inputIds: [[101, 102]], outputHiddenStates: 1 as never })).rejects.toThrow(
        'BertForPreTraining.forward: outputHiddenStates must be true or false, got 1',
      );
    } finally {
      bert.dispose();
    }
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

  it('a host tensor whose data does not fill its shape names the input once', async () => {
    const program = { owner: {}, key: 'identity', build: (_: unknown, x: Record<string, never>) => ({ y: x.input_ids }) };
    const bad = { dtype: 'int32', shape: [1, 4], data: new Int32Array(2) } as const;
    const error = await backend.run(program as never, { input_ids: bad }).catch((e) => e);
    expect(error).toBeInstanceOf(ShapeMismatchError);
    expect(error.message).toBe('tensor "input_ids" has shape [1, 4], expected [2]');
  });

  it('a disposed model says so instead of running', async () => {
    const model = await GPT2LMHeadModel.fromPretrained(GPT2, { backend });
    model.dispose();
    await expect(model.forward({ inputIds: [[1, 2]] })).rejects.toThrow(/has no backend/);
  });
});
