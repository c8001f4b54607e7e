/**
 * A checkpoint is never silently loaded as a different model: weights of the model's own architecture
 * that fill no parameter are an `UnusedWeightsError` (unless `allowUnusedWeights`), while the weights of
 * other heads are left, as Hugging Face leaves them, and reported.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertForMaskedLM, BertForPreTraining, BertModel } from '@attnjs/bert';
import {
  type Backend,
  type HostTensor,
  InputError,
  MissingTensorError,
  UnusedWeightsError,
  readSafetensors,
  serializeSafetensors,
} from '@attnjs/core';
import { GPT2LMHeadModel, GPT2Model } from '@attnjs/gpt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ENGINES as ENGINES } from './engines.js';
import { TOLERANCE, expectClose, fixtureDir, readReference, rows } from './reference.js';

let backend: Backend;
const dirs: string[] = [];
beforeAll(async () => {
  backend = await ENGINES[0]!.create();
});
afterAll(async () => {
  await backend.dispose();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function fixtureTensors(name: string): Promise<Map<string, HostTensor>> {
  const file = await readSafetensors(join(fixtureDir(name), 'model.safetensors'));
  return new Map([...file.tensors].map(([k, t]) => [k, t.tensor] as const));
}

/** A model folder: `fixture`'s config.json (edited) with the given tensors. */
function folder(fixture: string, tensors: Map<string, HostTensor>, edit: (c: Record<string, unknown>) => void = () => {}) {
  const dir = mkdtempSync(join(tmpdir(), 'attn-unused-'));
  dirs.push(dir);
  const config = JSON.parse(readFileSync(join(fixtureDir(fixture), 'config.json'), 'utf8'));
  edit(config);
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  writeFileSync(join(dir, 'model.safetensors'), serializeSafetensors(tensors));
  return dir;
}

const LAYER_1_KEYS = [
  'attn.c_attn.bias', 'attn.c_attn.weight', 'attn.c_proj.bias', 'attn.c_proj.weight', 'ln_1.bias', 'ln_1.weight',
  'ln_2.bias', 'ln_2.weight', 'mlp.c_fc.bias', 'mlp.c_fc.weight', 'mlp.c_proj.bias', 'mlp.c_proj.weight',
].map((k) => `transformer.h.1.${k}`);

describe('the model has fewer layers than the checkpoint', () => {
  it('n_layer: 1 over a 2-layer GPT-2 checkpoint is an UnusedWeightsError listing h.1.*', async () => {
    const dir = folder('gpt2-tiny', await fixtureTensors('gpt2-tiny'), (c) => (c.n_layer = 1));
    const error = await GPT2LMHeadModel.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(UnusedWeightsError);
    expect([...error.unusedKeys].sort()).toEqual(LAYER_1_KEYS);
    expect(error.missingKeys).toEqual([]);
    expect(error.message).toContain('holds 12 weight(s) that GPT2LMHeadModel has no place for: transformer.h.1.* (12 tensors)');
    expect(error.message).toContain('allowUnusedWeights');
  });

  it('the same with an unprefixed (GPT2Model-saved) checkpoint', async () => {
    const tensors = new Map([...(await fixtureTensors('gpt2-tiny'))].map(([k, t]) => [k.replace(/^transformer\./, ''), t] as const));
    const dir = folder('gpt2-tiny', tensors, (c) => (c.n_layer = 1));
    const error = await GPT2Model.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(UnusedWeightsError);
    expect([...error.unusedKeys].sort()).toEqual(LAYER_1_KEYS.map((k) => k.replace(/^transformer\./, '')));
  });

  it('BERT: num_hidden_layers: 1 over a 2-layer checkpoint', async () => {
    const dir = folder('bert-tiny', await fixtureTensors('bert-tiny'), (c) => (c.num_hidden_layers = 1));
    const error = await BertModel.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(UnusedWeightsError);
    expect(error.unusedKeys).toHaveLength(16);
    expect(error.unusedKeys.every((k: string) => k.startsWith('bert.encoder.layer.1.'))).toBe(true);
  });

  it('allowUnusedWeights loads the first layer and reports the rest', async () => {
    const tensors = await fixtureTensors('gpt2-tiny');
    const dir = folder('gpt2-tiny', tensors, (c) => (c.n_layer = 1));
    const model = await GPT2LMHeadModel.fromPretrained(dir, { backend, allowUnusedWeights: true });
    try {
      expect(model.transformer.h.items).toHaveLength(1);
      expect([...model.loadReport!.unusedKeys].sort()).toEqual(LAYER_1_KEYS);
      expect(model.loadReport!.otherHeadKeys).toEqual([]);
      expect(model.transformer.h.items[0]!.namedParameters().get('ln_2.bias')!.value.data).toEqual(
        tensors.get('transformer.h.0.ln_2.bias')!.data,
      );
    } finally {
      model.dispose();
    }
  });

  it('allowUnusedWeights must be a boolean', async () => {
    await expect(GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend, allowUnusedWeights: 'yes' as never })).rejects.toThrow(
      InputError,
    );
  });
});

describe('the model has more layers than the checkpoint', () => {
  it('n_layer: 3 is a MissingTensorError listing every h.2 tensor', async () => {
    const dir = folder('gpt2-tiny', await fixtureTensors('gpt2-tiny'), (c) => (c.n_layer = 3));
    const error = await GPT2LMHeadModel.fromPretrained(dir, { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingTensorError);
    expect(error.missingKeys).toHaveLength(12);
    expect(error.missingKeys.every((k: string) => k.startsWith('transformer.h.2.'))).toBe(true);
    expect(error.message).toMatch(/^tensor "transformer\.h\.2\.attn\.c_attn\.weight" is missing from .*\(12 missing in all: transformer\.h\.2\.\* \(12 tensors\)\)$/);
  });

  it('BertForPreTraining from a BertLMHeadModel checkpoint names the missing pooler and NSP head', async () => {
    const error = await BertForPreTraining.fromPretrained(fixtureDir('bert-hf-tiniest'), { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(MissingTensorError);
    expect([...error.missingKeys].sort()).toEqual([
      'bert.pooler.dense.bias', 'bert.pooler.dense.weight', 'cls.seq_relationship.bias', 'cls.seq_relationship.weight',
    ]);
  });
});

describe('weights of other heads are expected', () => {
  it('BertModel from a BertForPreTraining checkpoint leaves cls.* and matches the reference', async () => {
    const tensors = await fixtureTensors('bert-tiny');
    const model = await BertModel.fromPretrained(fixtureDir('bert-tiny'), { backend });
    try {
      const heads = [...tensors.keys()].filter((k) => k.startsWith('cls.')).sort();
      expect(heads).toHaveLength(7);
      expect([...model.loadReport!.otherHeadKeys].sort()).toEqual(heads);
      expect(model.loadReport!.unusedKeys).toEqual([]);
      const [c] = readReference('bert-tiny').cases;
      const out = await model.forward({ inputIds: c.input_ids, attentionMask: c.attention_mask, tokenTypeIds: c.token_type_ids });
      expectClose(rows(out.lastHiddenState, 0, c.lengths[0]), c.float64.sequence_output[0], TOLERANCE.normal, 'sequence_output[0]');
    } finally {
      model.dispose();
    }
  });

  it('BertForMaskedLM from a BertForPreTraining checkpoint leaves the NSP head and the pooler', async () => {
    const model = await BertForMaskedLM.fromPretrained(fixtureDir('bert-tiny'), { backend });
    try {
      expect([...model.loadReport!.otherHeadKeys].sort()).toEqual(['cls.seq_relationship.bias', 'cls.seq_relationship.weight']);
      expect([...model.loadReport!.ignoredKeys].sort()).toEqual(['bert.pooler.dense.bias', 'bert.pooler.dense.weight']);
      expect(model.loadReport!.unusedKeys).toEqual([]);
    } finally {
      model.dispose();
    }
  });

  it('GPT2Model and GPT2LMHeadModel leave a classification head (score.weight)', async () => {
    const tensors = await fixtureTensors('gpt2-tiny');
    tensors.set('score.weight', { dtype: 'float32', shape: [2, 64], data: new Float32Array(128) });
    const dir = folder('gpt2-tiny', tensors);
    for (const load of [GPT2Model, GPT2LMHeadModel]) {
      const model = await load.fromPretrained(dir, { backend });
      expect(model.loadReport!.otherHeadKeys).toEqual(['score.weight']);
      model.dispose();
    }
  });

  it('a stored copy of a tied weight loads when equal and is an error when it differs', async () => {
    const tensors = await fixtureTensors('gpt2-tiny');
    const wte = tensors.get('transformer.wte.weight')!;
    tensors.set('lm_head.weight', { ...wte, data: wte.data.slice() });
    const model = await GPT2LMHeadModel.fromPretrained(folder('gpt2-tiny', tensors), { backend });
    expect(model.loadReport).toEqual({ otherHeadKeys: [], ignoredKeys: [], unusedKeys: [], newlyInitialized: [] });
    model.dispose();

    const untied = wte.data.slice();
    untied[0]! += 1;
    tensors.set('lm_head.weight', { ...wte, data: untied });
    const error = await GPT2LMHeadModel.fromPretrained(folder('gpt2-tiny', tensors), { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(UnusedWeightsError);
    expect(error.unusedKeys).toEqual(['lm_head.weight']);
  });

  it('unknown weights inside the base model are not a head', async () => {
    const tensors = await fixtureTensors('gpt2-tiny');
    tensors.set('transformer.h.0.crossattention.c_attn.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    const error = await GPT2LMHeadModel.fromPretrained(folder('gpt2-tiny', tensors), { backend }).catch((e) => e);
    expect(error).toBeInstanceOf(UnusedWeightsError);
    expect(error.unusedKeys).toEqual(['transformer.h.0.crossattention.c_attn.weight']);
  });
});

it('a failed load leaves the model unchanged', async () => {
  const model = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
  try {
    const before = model.transformer.wte.weight.value.data;
    const tensors = await fixtureTensors('gpt2-tiny-sharp');
    tensors.delete('transformer.ln_f.bias');
    expect(() => model.loadWeights(tensors)).toThrow(MissingTensorError);
    expect(model.transformer.wte.weight.value.data).toBe(before);
  } finally {
    model.dispose();
  }
});
