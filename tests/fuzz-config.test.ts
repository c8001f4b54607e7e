/**
 * Fuzzes config.json for GPT-2 and BERT: fields set to hostile values (wrong types, huge, negative,
 * fractional, prototype names), prototype keys added, keys deleted, the raw text damaged. Each mutated
 * config is loaded with the fixture's real weights — most cases through config parsing, model
 * construction and the checkpoint match (`loadWeights`), a few hundred through the full
 * `fromPretrained` on tfjs-cpu with a forward pass. Every outcome must be a model or an AttnError, and a
 * model that loads must be the model the file holds: the same sizes, every parameter filled from it.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BertForMaskedLM, BertForPreTraining, BertLMHeadModel, BertModel, bertConfigFromJSON } from '@attnjs/bert';
import { type Backend, ConfigReader, type HostTensor, type PreTrainedModel, readSafetensors } from '@attnjs/core';
import { GPT2LMHeadModel, GPT2Model, gpt2ConfigFromJSON } from '@attnjs/gpt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { HOSTILE_VALUES, PROTOTYPE_KEYS, type Random, fuzz, fuzzCases } from './fuzz-support.js';
import { fixtureDir } from './reference.js';

interface Family {
  readonly fixtures: readonly string[];
  readonly fields: readonly string[];
  /** The fields that fix the weights' shapes: a model that loads must agree with the file on all of them. */
  readonly sizes: readonly string[];
  readonly parse: (config: ConfigReader) => object;
  readonly models: readonly (((config: never) => PreTrainedModel) & { fromPretrained: (dir: string, o: { backend: Backend }) => Promise<PreTrainedModel> })[];
}

const FAMILIES: Record<string, Family> = {
  gpt2: {
    fixtures: ['gpt2-tiny', 'gpt2-hf-fake'],
    fields: ['vocab_size', 'n_positions', 'n_embd', 'n_layer', 'n_head', 'n_inner', 'layer_norm_epsilon', 'activation_function',
      'scale_attn_weights', 'scale_attn_by_inverse_layer_idx', 'model_type', 'bos_token_id', 'eos_token_id', 'pad_token_id'],
    sizes: ['vocabSize', 'nPositions', 'nEmbd', 'nLayer', 'nInner'],
    parse: gpt2ConfigFromJSON,
    models: [GPT2Model, GPT2LMHeadModel] as never,
  },
  bert: {
    fixtures: ['bert-tiny', 'bert-hf-tiniest'],
    fields: ['vocab_size', 'hidden_size', 'num_hidden_layers', 'num_attention_heads', 'intermediate_size', 'hidden_act',
      'max_position_embeddings', 'type_vocab_size', 'layer_norm_eps', 'pad_token_id', 'is_decoder', 'position_embedding_type', 'model_type'],
    sizes: ['vocabSize', 'hiddenSize', 'numHiddenLayers', 'intermediateSize', 'maxPositionEmbeddings', 'typeVocabSize'],
    parse: bertConfigFromJSON,
    models: [BertModel, BertForPreTraining, BertForMaskedLM, BertLMHeadModel] as never,
  },
};

interface Fixture {
  readonly family: Family;
  readonly name: string;
  readonly config: Record<string, unknown>;
  readonly tensors: Map<string, HostTensor>;
  /** The shape-fixing sizes of the unmutated config. */
  readonly sizes: Record<string, number>;
}

const fixtures: Fixture[] = [];
let backend: Backend;
const dirs = new Map<string, string>();

beforeAll(async () => {
  backend = await ENGINES[0]!.create();
  for (const family of Object.values(FAMILIES)) {
    for (const name of family.fixtures) {
      const text = readFileSync(join(fixtureDir(name), 'config.json'), 'utf8');
      const file = await readSafetensors(join(fixtureDir(name), 'model.safetensors'));
      const parsed = family.parse(ConfigReader.parse(text, name)) as Record<string, number>;
      const sizes = Object.fromEntries(family.sizes.map((k) => [k, parsed[k]!]));
      fixtures.push({ family, name, config: JSON.parse(text), tensors: new Map([...file.tensors].map(([k, t]) => [k, t.tensor])), sizes });
      const dir = mkdtempSync(join(tmpdir(), `attn-fuzz-${name}-`));
      copyFileSync(join(fixtureDir(name), 'model.safetensors'), join(dir, 'model.safetensors'));
      dirs.set(name, dir);
    }
  }
});
afterAll(async () => {
  await backend.dispose();
  for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
});

/** Values a real config could hold: loads with them succeed more often, so forward passes get fuzzed too. */
const PLAUSIBLE: readonly unknown[] = [1, 2, 4, 8, 16, 0, 1e-5, 1e-12, 0.1, 'gelu', 'gelu_new', 'gelu_pytorch_tanh', 'gelu_fast', true, false, 'absolute'];

/** A hostile value, a plausible one, or one near the field's real value (off by one, doubled, as a string). */
function valueFor(random: Random, original: unknown): unknown {
  if (random.chance(0.3)) return random.pick(PLAUSIBLE);
  if (typeof original === 'number' && random.chance(0.4)) {
    return random.pick([original + 1, original - 1, original * 2, original / 2, -original, String(original), original + 0.5]);
  }
  return random.pick(HOSTILE_VALUES);
}

/** The mutated config.json text. */
function mutate(random: Random, fixture: Fixture): string {
  const config: Record<string, unknown> = structuredClone(fixture.config);
  for (let n = 1 + random.int(2); n > 0; n--) {
    const key = random.chance(0.15) ? random.pick(PROTOTYPE_KEYS) : random.pick(fixture.family.fields);
    if (random.chance(0.15)) delete config[key];
    else Object.defineProperty(config, key, { value: valueFor(random, config[key]), enumerable: true, writable: true, configurable: true });
  }
  let text = JSON.stringify(config);
  const damage = random.int(20);
  if (damage === 0) text = text.slice(0, random.int(text.length)); // truncated
  else if (damage === 1) text = text.replace(/:(\d+)([,}])/, ':1e400$2'); // a literal JSON.parse reads as Infinity
  else if (damage === 2) text = random.pick(['[]', 'null', '"config"', '12', '\ufeff{}', '{"n_layer":1,"n_layer":2}']);
  return text;
}

/**
 * The load is the file's model: the shape-fixing sizes are the file's, no weight of the architecture
 * was dropped, and every parameter holds a checkpoint tensor's data (none left at its initial value).
 */
function checkSameModel(model: PreTrainedModel, fixture: Fixture): void {
  const config = (model as unknown as { config: Record<string, number> }).config;
  for (const [key, size] of Object.entries(fixture.sizes)) {
    if (config[key] !== size) throw new Error(`loaded with ${key} = ${config[key]} from a file whose ${key} is ${size}`);
  }
  if (model.loadReport!.unusedKeys.length > 0) throw new Error(`unused weights loaded silently: ${model.loadReport!.unusedKeys}`);
  const fromFile = new Set([...fixture.tensors.values()].map((t) => fingerprint(t.data)));
  for (const [name, p] of model.namedParameters()) {
    if (!fromFile.has(fingerprint(p.value.data))) throw new Error(`parameter ${name} was not filled from the file`);
  }
}

/** Length and a few values: tells the random weights of the file apart from zeros, ones and each other. */
const fingerprint = (data: ArrayLike<number>) => `${data.length}:${data[0]}:${data[data.length >> 1]}:${data[data.length - 1]}`;

async function loadOnce(random: Random, full: boolean): Promise<string> {
  const fixture = random.pick(fixtures);
  const Model = random.pick(fixture.family.models);
  const text = mutate(random, fixture);
  let model: PreTrainedModel;
  if (full) {
    const dir = dirs.get(fixture.name)!;
    writeFileSync(join(dir, 'config.json'), text);
    model = await Model.fromPretrained(dir, { backend });
  } else {
    const config = fixture.family.parse(ConfigReader.parse(text, 'config.json'));
    model = new (Model as unknown as new (c: object) => PreTrainedModel)(config);
    model.loadWeights(fixture.tensors, 'model.safetensors');
  }
  try {
    checkSameModel(model, fixture);
    if (full && random.chance(0.5)) await forwardOnce(model);
  } finally {
    model.dispose();
  }
  return `${fixture.name}: ok`;
}

/** A forward on three ids gives finite outputs of the configured width. */
async function forwardOnce(model: PreTrainedModel): Promise<void> {
  const out = (await (model as unknown as { forward(i: object): Promise<Record<string, HostTensor>> }).forward({ inputIds: [[1, 2, 3]] }))
    .lastHiddenState!;
  if (out.shape[1] !== 3 || !out.data.every(Number.isFinite)) throw new Error(`forward gave shape [${out.shape}] or non-finite values`);
}

it('mutated config.json through parsing, construction and the checkpoint match', async () => {
  const counts = await fuzz('config.json (parse + build + match weights)', fuzzCases(2000), 5_000, (random) => loadOnce(random, false));
  expect([...counts.keys()].filter((k) => k.endsWith(': ok')).length).toBeGreaterThan(1);
  expect(counts.get('ConfigError')).toBeGreaterThan(0);
});

it('mutated config.json through the full fromPretrained on tfjs-cpu', async () => {
  const counts = await fuzz('config.json (fromPretrained on tfjs-cpu)', fuzzCases(300, 50), 20_000, (random) => loadOnce(random, true));
  expect([...counts.keys()].some((k) => k.endsWith(': ok'))).toBe(true);
});
