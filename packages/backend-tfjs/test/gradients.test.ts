/**
 * valueAndGrads against gradients derived by hand (linear + cross-entropy, embedding + linear), and a
 * central finite difference through a whole TransformerBlock, on cpu and on wasm (whose gather has no
 * tfjs gradient and goes through this package's scatter-add one).
 */
import { crossEntropy, hostTensor, InputError, Linear, Parameter, ShapeMismatchError, TransformerBlock } from '@attnjs/core';
import type { HostTensor, Ops, Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend, type TfjsBackend } from '../dist/index.js';

let seed = 7;
const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
const fill = (p: Parameter, scale = 1) => p.value.data.forEach((_, i, a) => (a[i] = scale * (2 * random() - 1)));
const f32 = (shape: number[]) => hostTensor(Float32Array.from({ length: shape.reduce((n, d) => n * d, 1) }, () => 2 * random() - 1), shape);

/** |got − want| ≤ atol + rtol·|want| elementwise. */
function expectNear(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol: number, what: string) {
  expect(got.length, what).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const ok = Math.abs(got[i]! - want[i]!) <= atol + rtol * Math.abs(want[i]!);
    if (!ok) expect.fail(`${what}[${i}]: got ${got[i]}, want ${want[i]}`);
  }
}

/** d loss / d logits for mean cross-entropy over rows whose label is not −100 (float64). */
function crossEntropyGrad(logits: number[][], labels: number[]): number[][] {
  const count = labels.filter((l) => l !== -100).length;
  return logits.map((row, n) => {
    if (labels[n] === -100) return row.map(() => 0);
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map((v, c) => (v / s - (c === labels[n] ? 1 : 0)) / count);
  });
}
const rowsOf = (data: ArrayLike<number>, width: number) =>
  Array.from({ length: data.length / width }, (_, r) => Array.from(data).slice(r * width, (r + 1) * width));
const dot = (a: number[], b: number[]) => a.reduce((s, v, i) => s + v * b[i]!, 0);

describe.each(['cpu', 'wasm'] as const)('valueAndGrads on tfjs-%s', (device) => {
  let backend: TfjsBackend;
  beforeAll(async () => {
    backend = await createTfjsBackend({ device });
  });
  afterAll(() => backend.dispose());

  it('matches the hand-derived gradient of embedding → linear → cross-entropy (repeated ids)', async () => {
    const [V, D, C] = [6, 3, 5];
    const embedding = new Parameter([V, D]);
    const head = new Linear(D, C); // nn.Linear: weight [C, D]
    [embedding, head.weight, head.bias!].forEach((p) => fill(p));
    const ids = hostTensor(new Int32Array([5, 0, 5, 2, 2, 5]), [2, 3]);
    const labels = hostTensor(new Int32Array([4, -100, 0, 2, 2, 1]), [2, 3]);
    const program = {
      owner: {},
      key: 'embed-linear-ce',
      build: (ops: Ops, x: Record<'ids' | 'labels', Tensor>) => {
        const logits = head.forward(ops, ops.gather(ops.param(embedding), x.ids)); // (2, 3, C)
        return { loss: crossEntropy(ops, logits, x.labels), logits };
      },
    };
    const { outputs, grads } = await backend.valueAndGrads(program, { ids, labels }, [embedding, head.weight, head.bias!]);

    const E = rowsOf(embedding.value.data, D);
    const W = rowsOf(head.weight.value.data, D);
    const h = Array.from(ids.data, (id) => E[id]!); // (6, D)
    const logits = h.map((row) => W.map((w, c) => dot(row, w) + head.bias!.value.data[c]!));
    expectNear(outputs.logits!.data, logits.flat(), 1e-5, 1e-5, 'logits');
    const dLogits = crossEntropyGrad(logits, Array.from(labels.data));
    const dW = W.map((_, c) => Array.from({ length: D }, (_, j) => dLogits.reduce((s, g, n) => s + g[c]! * h[n]![j]!, 0)));
    const db = W.map((_, c) => dLogits.reduce((s, g) => s + g[c]!, 0));
    const dE = E.map(() => new Array<number>(D).fill(0));
    dLogits.forEach((g, n) => W.forEach((w, c) => w.forEach((v, j) => (dE[ids.data[n]!]![j] += g[c]! * v))));
    expect(outputs.loss!.shape).toEqual([]);
    expectNear(grads.get(head.weight)!.data, dW.flat(), 1e-6, 1e-5, 'dW');
    expectNear(grads.get(head.bias!)!.data, db, 1e-6, 1e-5, 'db');
    expectNear(grads.get(embedding)!.data, dE.flat(), 1e-6, 1e-5, 'dE');
    expect(dE[5]!.some((v) => v !== 0) && dE[1]!.every((v) => v === 0)).toBe(true); // id 5 thrice, id 1 never
  });

  it('agrees with a central finite difference through a TransformerBlock', async () => {
    const D = 8;
    const block = new TransformerBlock({
      hiddenSize: D, numHeads: 2, intermediateSize: 16, activation: 'tanh', layerNormEps: 1e-5, norm: 'pre', causal: true, layout: 'inOut',
      names: { attention: { qkv: 'attn.c_attn', output: 'attn.c_proj' }, attentionNorm: 'ln_1', feedForward: { up: 'mlp.c_fc', down: 'mlp.c_proj' }, feedForwardNorm: 'ln_2' },
    });
    const head = new Linear(D, 4);
    // block.parameters() misses the attention's (core registers two children under ''), so add them.
    const named = [...block.attention.namedParameters('attn.'), ...block.namedParameters(), ...head.namedParameters('head.')];
    const params = named.map(([, p]) => p);
    params.forEach((p) => fill(p, 0.5));
    const inputs = { x: f32([2, 3, D]), labels: hostTensor(new Int32Array([0, 3, 1, 2, -100, 3]), [2, 3]) };
    const program = {
      owner: {},
      key: 'block-ce',
      build: (ops: Ops, t: Record<'x' | 'labels', Tensor>) => ({ loss: crossEntropy(ops, head.forward(ops, block.forward(ops, t.x).hidden), t.labels) }),
    };
    const { grads } = await backend.valueAndGrads(program, inputs, params);
    const lossAt = async (p: Parameter, i: number, delta: number) => {
      const original = p.value;
      const data = original.data.slice();
      data[i] += delta;
      p.value = { ...original, data }; // a new value object: the backend uploads it again
      const { loss } = await backend.run(program, inputs);
      p.value = original;
      return loss!.data[0]!;
    };
    const eps = 1e-2;
    for (const [name, p] of named) {
      const i = p.value.data.length - 1; // one coordinate of every parameter
      const fd = ((await lossAt(p, i, eps)) - (await lossAt(p, i, -eps))) / (2 * eps);
      const g = grads.get(p)!.data[i]!;
      expect(Math.abs(fd - g), `${name}[${i}]: finite difference ${fd}, autodiff ${g}`).toBeLessThanOrEqual(2e-3 + 2e-2 * Math.abs(g));
    }
  });

  it('returns zeros for a parameter the loss does not use', async () => {
    const [used, unused] = [new Parameter([2]), new Parameter([3])];
    used.value = hostTensor(new Float32Array([3, -1]), [2]);
    const program = { owner: {}, key: 'square', build: (ops: Ops) => ({ loss: ops.sum(ops.mul(ops.param(used), ops.param(used)), [0]) }) };
    const { outputs, grads } = await backend.valueAndGrads(program, {}, [used, unused]);
    expect(outputs.loss!.data[0]).toBe(10);
    expect([...grads.get(used)!.data]).toEqual([6, -2]);
    expect([...grads.get(unused)!.data]).toEqual([0, 0, 0]);
  });

  it('needs a scalar float32 output named loss, and leaks nothing when it is missing', async () => {
    const p = new Parameter([2]);
    const run = (build: (ops: Ops) => Record<string, Tensor>) => backend.valueAndGrads({ owner: {}, key: String(build), build }, {}, [p]);
    await run((ops) => ({ loss: ops.sum(ops.param(p), [0]) })); // uploads p
    const before = tf.memory().numTensors;
    await expect(run((ops) => ({ total: ops.sum(ops.param(p), [0]) }))).rejects.toThrow(InputError);
    await expect(run((ops) => ({ loss: ops.param(p), extra: ops.exp(ops.param(p)) }))).rejects.toThrow(ShapeMismatchError);
    await expect(backend.valueAndGrads({ owner: {}, key: 'none', build: () => ({}) }, {}, [])).rejects.toThrow(InputError);
    await backend.valueAndGrads({ owner: {}, key: 'ok', build: (ops) => ({ loss: ops.sum(ops.param(p), [0]), twice: ops.add(ops.param(p), ops.param(p)) }) }, {}, [p]);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the built package under plain Node ESM', () => {
  it('imports, registers gradients and differentiates gather on wasm', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const script = `
      const { createTfjsBackend } = await import('@attnjs/backend-tfjs');
      const { Parameter, hostTensor } = await import('@attnjs/core');
      const backend = await createTfjsBackend({ device: 'wasm' });
      const table = new Parameter([3, 1]);
      table.value = hostTensor(new Float32Array([1, 2, 3]), [3, 1]);
      const program = { owner: {}, key: 'g', build: (ops, x) => {
        const rows = ops.gather(ops.param(table), x.ids);
        return { loss: ops.sum(ops.mul(rows, rows), [0, 1]) };
      } };
      const { outputs, grads } = await backend.valueAndGrads(program, { ids: hostTensor(new Int32Array([0, 2, 2]), [3]) }, [table]);
      console.log(JSON.stringify([outputs.loss.data[0], [...grads.get(table).data]]));`;
    const cwd = fileURLToPath(new URL('..', import.meta.url)); // the package resolves itself by name
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd, encoding: 'utf8' });
    expect(JSON.parse(stdout.trim().split('\n').pop()!)).toEqual([19, [2, 0, 12]]);
  });

  it('runs the README example', async () => {
    const { execFileSync } = await import('node:child_process');
    const { readFileSync } = await import('node:fs');
    const { fileURLToPath } = await import('node:url');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const example = readme.split('```js\n')[1]!.split('```')[0]!;
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', example], { cwd, encoding: 'utf8' });
    const [, loss, shape] = /^(\S+) (\[.*\])$/.exec(stdout.trim()) ?? [];
    expect(Number(loss)).toBeCloseTo(Math.log(3), 6); // zero weights: uniform over 3 classes
    expect(shape).toBe('[ 3, 4 ]');
  });
});
