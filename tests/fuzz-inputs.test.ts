/**
 * Fuzzes model inputs on tfjs-cpu: ids, masks, labels and next-sentence labels as nested arrays of
 * hostile values and depths, host tensors whose dtype, shape or data lie, unknown or mistyped options,
 * and `generate` options. Every outcome must be an output or an AttnError (an InputError, mostly), never
 * a TypeError from deep inside, a stack overflow or a hang; an output must have the input's shape.
 */
import { BertForPreTraining } from '@attnjs/bert';
import type { Backend, HostTensor } from '@attnjs/core';
import { GPT2LMHeadModel } from '@attnjs/gpt';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ENGINES } from './engines.js';
import { HOSTILE_VALUES, type Random, fuzz, fuzzCases } from './fuzz-support.js';
import { fixtureDir } from './reference.js';

let backend: Backend;
let gpt2: GPT2LMHeadModel;
let bert: BertForPreTraining;
beforeAll(async () => {
  backend = await ENGINES[0]!.create();
  gpt2 = await GPT2LMHeadModel.fromPretrained(fixtureDir('gpt2-tiny'), { backend });
  bert = await BertForPreTraining.fromPretrained(fixtureDir('bert-tiny'), { backend });
});
afterAll(async () => {
  gpt2.dispose();
  bert.dispose();
  await backend.dispose();
});

const ID_VALUES = [0, 1, 2, 5, 101, 102, 999, 1000, -1, -100, 1.5, NaN, Infinity, 2 ** 31, -(2 ** 31) - 1, '3', null, undefined, true, [], [1]];

/** An id: mostly valid, sometimes hostile. */
const id = (random: Random, valid: number) => (random.chance(0.9) ? random.int(valid) : random.pick(ID_VALUES));

/** A [B, T] batch (occasionally ragged, flat, empty, nested deeper, or not an array at all). */
function ids(random: Random, batch: number, length: number, valid: number): unknown {
  const shape = random.int(12);
  if (shape === 0) return random.pick(HOSTILE_VALUES);
  if (shape === 1) return Array.from({ length }, () => id(random, valid)); // one flat sequence
  if (shape === 2) {
    let nested: unknown = [[1, 2]];
    for (let d = random.int(random.chance(0.1) ? 20_000 : 8); d > 0; d--) nested = [nested];
    return nested;
  }
  if (shape === 3) return hostTensor(random, batch, length, valid);
  const rows = Array.from({ length: batch }, () => Array.from({ length }, () => id(random, valid)));
  if (shape === 4 && batch > 0) rows[random.int(batch)]!.push(1); // ragged
  return rows;
}

/** A host tensor that may lie about its dtype, shape or data length. */
function hostTensor(random: Random, batch: number, length: number, valid: number): unknown {
  const data = Int32Array.from({ length: batch * length }, () => random.int(valid));
  const lie = random.int(5);
  if (lie === 0) return { dtype: 'int32', shape: [batch, length + 1], data };
  if (lie === 1) return { dtype: 'float32', shape: [batch, length], data: Float32Array.from(data) };
  if (lie === 2) return { dtype: 'int32', shape: random.pick([[batch * length], [batch, length, 1], [batch, -length], [batch, 0.5]]), data };
  if (lie === 3) return { shape: 'x', data };
  return { dtype: 'int32', shape: [batch, length], data };
}

/** The options object for `forward`: the ids plus a random selection of the other inputs and options. */
function inputsFor(random: Random, model: 'gpt2' | 'bert'): Record<string, unknown> {
  const batch = 1 + random.int(2);
  const length = random.chance(0.05) ? 65 : 1 + random.int(6);
  const inputs: Record<string, unknown> = { inputIds: ids(random, batch, length, 1000) };
  if (random.chance(0.3)) inputs.attentionMask = ids(random, batch, length, 2);
  if (random.chance(0.3)) inputs.outputHiddenStates = random.pick([true, false, 'yes', 1, null]);
  if (random.chance(0.05)) inputs[random.pick(['pastKeyValues', 'bogus', 'toString', '__proto__'])] = 1;
  if (model === 'gpt2' && random.chance(0.3)) inputs.labels = ids(random, batch, length, 1000);
  if (model === 'bert') {
    if (random.chance(0.3)) inputs.tokenTypeIds = ids(random, batch, length, 2);
    if (random.chance(0.3)) {
      inputs.labels = ids(random, batch, length, 1000);
      inputs.nextSentenceLabel = random.chance(0.2)
        ? { dtype: random.pick(['int32', 'float32']), shape: [batch], data: random.pick([new Int32Array(batch), new Float32Array(batch).fill(0.5)]) }
        : Array.from({ length: random.chance(0.9) ? batch : batch + 1 }, () => id(random, 2));
    }
  }
  if (random.chance(0.02)) return random.pick(HOSTILE_VALUES) as never;
  return inputs;
}

function expectOutputShape(out: HostTensor, inputIds: unknown): void {
  const rows = Array.isArray(inputIds) ? (Array.isArray(inputIds[0]) ? inputIds.length : 1) : (inputIds as HostTensor).shape[0];
  if (out.shape[0] !== rows || !out.data.every(Number.isFinite)) throw new Error(`output of shape [${out.shape}] for ${rows} rows`);
}

it('hostile model inputs give outputs or typed errors', async () => {
  const counts = await fuzz('model inputs (tfjs-cpu)', fuzzCases(400, 20), 20_000, async (random) => {
    const which = random.pick(['gpt2', 'bert', 'generate'] as const);
    if (which === 'generate') {
      const options = random.chance(0.7) ? { maxNewTokens: random.pick([0, 1, 2, -1, 1.5, NaN, '2', null, -(2 ** 40)]) } : random.pick(HOSTILE_VALUES);
      const out = await gpt2.generate(ids(random, 1, 1 + random.int(4), 1000) as never, options as never);
      if (!Array.isArray(out)) throw new Error('generate returned no rows');
      return 'generate: ok';
    }
    const inputs = inputsFor(random, which);
    const out = which === 'gpt2' ? await gpt2.forward(inputs as never) : await bert.forward(inputs as never);
    expectOutputShape(out.lastHiddenState, inputs.inputIds);
    return `${which}: ok`;
  });
  expect([...counts.keys()].some((k) => k.endsWith(': ok'))).toBe(true);
  expect(counts.get('InputError')).toBeGreaterThan(0);
});
