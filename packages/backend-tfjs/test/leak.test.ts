/**
 * Engine memory after many calls: only cached parameters may stay. A two-block GPT-2-style stack from
 * core layers runs 1,000 times; a failing build and a failing valueAndGrads leave nothing behind; release
 * and dispose return tfjs to where it started.
 */
import { Embedding, hostTensor, ModuleList, type Ops, Parameter, type Tensor, TransformerBlock } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../dist/index.js';

const HIDDEN = 16;
const blocks = new ModuleList(
  Array.from({ length: 2 }, () => new TransformerBlock({
    hiddenSize: HIDDEN, numHeads: 2, intermediateSize: 32, activation: 'tanh', layerNormEps: 1e-5, norm: 'pre', causal: true, layout: 'inOut',
    names: { attention: { qkv: 'attn.c_attn', output: 'attn.c_proj' }, attentionNorm: 'ln_1', feedForward: { up: 'mlp.c_fc', down: 'mlp.c_proj' }, feedForwardNorm: 'ln_2' },
  })),
);
const wte = new Embedding(11, HIDDEN);
const params: Parameter[] = [...wte.parameters(), ...blocks.parameters()];
params.forEach((p, k) => p.value.data.forEach((_, i, a) => (a[i] = Math.sin(k * 7.1 + i * 0.37) * 0.3)));

const owner = {};
const forward = (ops: Ops, x: Record<'ids' | 'mask', Tensor>) => {
  let h = wte.forward(ops, x.ids); // (B, T, d)
  const mask = ops.paddingMask(x.mask); // (B, 1, 1, T)
  for (const block of blocks.items) h = block.forward(ops, h, { mask }).hidden;
  return { hidden: h, next: ops.argmax(ops.slice(h, 1, -1), -1) };
};
const program = { owner, key: 'stack', build: forward };
const inputs = {
  ids: hostTensor(new Int32Array([1, 2, 3, 4, 5, 6, 7, 8]), [2, 4]),
  mask: hostTensor(new Float32Array([1, 1, 1, 1, 0, 1, 1, 1]), [2, 4]),
};
const failing = {
  owner,
  key: 'stack-then-throw',
  build: (ops: Ops, x: Record<'ids' | 'mask', Tensor>) => {
    forward(ops, x); // creates the whole graph's intermediates first
    throw new Error('build failed midway');
  },
};

describe.each(['cpu', 'wasm'] as const)('tfjs-%s memory', (device) => {
  it('holds only the parameters across 1,000 runs, a throwing build and a throwing valueAndGrads', async () => {
    const backend = await createTfjsBackend({ device }); // registers the device (tf.memory needs one)
    const start = tf.memory().numTensors;
    const first = await backend.run(program, inputs);
    const afterFirst = tf.memory().numTensors;
    expect(afterFirst - start).toBe(params.length);

    for (let i = 0; i < 1000; i++) await backend.run(program, inputs);
    expect(tf.memory().numTensors).toBe(afterFirst);
    const last = await backend.run(program, inputs);
    expect(last.hidden.data).toEqual(first.hidden.data); // the same numbers every time
    expect(last.next.shape).toEqual([2, 1]);

    await expect(backend.run(failing, inputs)).rejects.toThrow('build failed midway');
    expect(tf.memory().numTensors).toBe(afterFirst);
    const lossOf = { owner, key: 'loss-then-throw', build: (ops: Ops, x: Record<'ids' | 'mask', Tensor>) => ({ loss: ops.sum(failing.build(ops, x), []) }) };
    await expect(backend.valueAndGrads(lossOf, inputs, params)).rejects.toThrow('build failed midway');
    expect(tf.memory().numTensors).toBe(afterFirst);

    const loss = { owner, key: 'loss', build: (ops: Ops, x: Record<'ids' | 'mask', Tensor>) => ({ loss: ops.mean(forward(ops, x).hidden, [0, 1, 2]) }) };
    for (let i = 0; i < 20; i++) await backend.valueAndGrads(loss, inputs, params);
    expect(tf.memory().numTensors).toBe(afterFirst);

    backend.release(owner, blocks.parameters());
    expect(tf.memory().numTensors).toBe(start + wte.parameters().length);
    await backend.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });
});
