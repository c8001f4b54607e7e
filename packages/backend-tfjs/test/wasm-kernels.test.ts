/**
 * The wasm fast paths (Slice and GatherV2 by runs, Transpose by runs, Sum over leading axes, batched
 * products, from wasm/kernels.wat) against tfjs-backend-wasm's own kernels bit for bit, and the committed
 * module against its source.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend } from '../dist/index.js';
import { compiledSource, OUTPUT } from '../scripts/build-wasm.mjs';
import { geluTanhGrad } from '../src/wasm/gelu-grad.js';
import { simdBatchedMatMul } from '../src/wasm/batched-matmul.js';
import { simdKernels } from '../src/wasm/simd-kernels.js';
import { groupSwap } from '../src/wasm/transpose.js';

beforeAll(async () => {
  await createTfjsBackend({ device: 'wasm' });
  await tf.setBackend('wasm');
});

/** tfjs's own kernel, which the fast path replaced and falls back to. */
function original(name: string, inputs: tf.NamedTensorInfoMap, attrs: object): tf.Tensor {
  const kernel = (tf.getKernel(name, 'wasm') as tf.KernelConfig & { original?: tf.KernelConfig }).original;
  if (!kernel) throw new Error(`${name} has no fast path registered`);
  const info = kernel.kernelFunc({ inputs, attrs: attrs as tf.NamedAttrMap, backend: tf.backend() }) as tf.TensorInfo;
  return tf.engine().makeTensorFromTensorInfo(info);
}

function expectSameBits(a: tf.Tensor, b: tf.Tensor): void {
  expect(a.shape).toEqual(b.shape);
  expect(a.dtype).toBe(b.dtype);
  const bits = (t: tf.Tensor) => Buffer.from((t.dataSync() as Float32Array).slice().buffer);
  expect(bits(a).equals(bits(b))).toBe(true);
}

let seed = 1;
const normal = (shape: number[]) => tf.randomNormal(shape, 0, 1, 'float32', seed++);

it('the committed module is wasm/kernels.wat compiled', async () => {
  expect(readFileSync(OUTPUT, 'utf8')).toBe(await compiledSource());
});

it('the SIMD module runs over tfjs-backend-wasm memory in Node', () => {
  expect(simdKernels((tf.backend() as unknown as { wasm: Parameters<typeof simdKernels>[0] }).wasm)).toBeDefined();
});

describe('Transpose', () => {
  it('recognises swaps of two adjacent groups of axes, and only those', () => {
    expect(groupSwap([12, 64, 4, 32], [0, 2, 1, 3])).toEqual([12, 64, 4, 32]);
    expect(groupSwap([2, 3, 4, 5], [2, 3, 0, 1])).toEqual([1, 6, 20, 1]);
    expect(groupSwap([2, 3, 4, 5], [0, 3, 1, 2])).toEqual([2, 12, 5, 1]);
    expect(groupSwap([48, 64, 32], [0, 2, 1])).toEqual([48, 64, 32, 1]);
    expect(groupSwap([2, 3, 4, 5], [1, 0, 3, 2])).toBeUndefined();
    expect(groupSwap([2, 3, 4], [2, 0, 1])).toEqual([1, 6, 4, 1]);
    expect(groupSwap([2, 3, 4], [0, 1, 2])).toBeUndefined();
    expect(groupSwap([2, 3, 4, 5], [3, 1, 2, 0])).toBeUndefined();
  });

  it.each([
    [[12, 64, 4, 32], [0, 2, 1, 3]],
    [[12, 4, 64, 32], [0, 2, 1, 3]],
    [[64, 48, 32], [1, 0, 2]],
    [[2, 3, 4, 5], [2, 3, 0, 1]],
    [[3, 5, 7], [0, 2, 1]],
    [[768, 128], [1, 0]],
    [[5, 3], [1, 0]],
    [[4, 4], [1, 0]],
    [[1, 1], [1, 0]],
    [[9, 13], [1, 0]],
    [[48, 64, 64], [0, 2, 1]],
    [[2, 7, 6], [0, 2, 1]],
    [[2, 3, 4, 5], [1, 0, 3, 2]],
    [[2, 0, 4, 5], [0, 2, 1, 3]],
  ])('%j by %j equals tfjs', (shape, perm) => {
    const x = normal(shape);
    expectSameBits(tf.transpose(x, perm), original('Transpose', { x }, { perm }));
    const ints = tf.cast(tf.mul(x, 100), 'int32');
    expect(tf.transpose(ints, perm).arraySync()).toEqual(original('Transpose', { x: ints }, { perm }).arraySync());
  });
});

describe('Sum', () => {
  it.each([
    [[768, 512], [0], false],
    [[12, 64, 128], [0, 1], false],
    [[12, 64, 33], [0], true],
    [[12, 64, 33], [1, 0], false],
    [[7, 3], [1], false],
    [[5, 6, 7], [0, 2], false],
  ])('%j over axes %j (keepDims %s) equals tfjs', (shape, axis, keepDims) => {
    const x = normal(shape);
    expectSameBits(tf.sum(x, axis, keepDims), original('Sum', { x }, { axis, keepDims }));
  });

  it.each([
    [[0, 5], [0], false, [5]],
    [[5, 0], [1], true, [5, 1]],
    [[2, 0, 3], [0, 1], false, [3]],
  ])('%j over axes %j (keepDims %s) is zeros of shape %j', (shape, axis, keepDims, want) => {
    const sum = tf.sum(tf.zeros(shape), axis, keepDims);
    expect(sum.shape).toEqual(want);
    expect(Array.from(sum.dataSync())).toEqual(new Array(want.reduce((a, b) => a * b, 1)).fill(0));
  });

  it('adds rows in float32, row after row', () => {
    // 1e8 + 1 + 1 … in float32 stays 1e8 (each 1 is below half an ulp); a float64 sum would give 1e8 + 4.
    const x = tf.tensor2d([[1e8, 0], [1, 2], [1, 2], [1, 2], [1, 2]]);
    expect(Array.from(tf.sum(x, 0).dataSync())).toEqual([1e8, 8]);
  });
});

describe('the tanh-form GELU gradient', () => {
  it('is one kernel on wasm, bit for bit the nine tfjs kernels of its closed form', () => {
    const [c1, c2] = [3 * 0.044715 * 2 * Math.sqrt(2 / Math.PI), 2 * Math.sqrt(2 / Math.PI)];
    for (const shape of [[12, 64, 512], [7, 3]]) {
      const x = tf.mul(normal(shape), 3);
      const s = tf.sigmoid(tf.mul(normal(shape), 2));
      const dy = normal(shape);
      const fused = geluTanhGrad(dy, x, s, c1, c2);
      const slope = tf.add(tf.mul(tf.square(x), c1), c2);
      const composite = tf.mul(dy, tf.add(tf.mul(tf.mul(x, tf.mul(s, tf.sub(1, s))), slope), s));
      expect(fused).toBeDefined();
      expectSameBits(fused!, composite);
    }
  });
});

describe('Slice', () => {
  it.each([
    [[12, 64, 384], [0, 0, 128], [-1, -1, 128]],
    [[5, 6, 7], [1, 2, 3], [2, 3, 4]],
    [[10], [3], [4]],
    [[4, 5], [0, 0], [4, 5]],
    [[4, 5], [1, 0], [2, 5]],
    [[4, 5, 6], [0, 2, 0], [4, 0, 6]],
  ])('%j from %j size %j equals tfjs', (shape, begin, size) => {
    const x = normal(shape);
    expectSameBits(tf.slice(x, begin, size), original('Slice', { x }, { begin, size }));
  });
});

describe('GatherV2', () => {
  const ints = (shape: number[], n: number) => tf.tensor(Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => (i * 7 + 3) % n), shape, 'int32');
  it.each([
    [[65, 128], [12, 64], 0],
    [[64, 128], [64], 0],
    [[30, 4, 5], [3, 2], 1],
    [[6, 7], [9], 1],
    [[6, 7], [9], -1],
    [[8], [2, 3], 0],
  ])('%j by indices %j along axis %d equals tfjs', (shape, idShape, axis) => {
    const x = normal(shape);
    const indices = ints(idShape, shape.at(axis)!);
    expectSameBits(tf.gather(x, indices, axis), original('GatherV2', { x, indices }, { axis, batchDims: 0 }));
    const xi = tf.cast(tf.mul(x, 100), 'int32');
    expect(tf.gather(xi, indices, axis).arraySync()).toEqual(original('GatherV2', { x: xi, indices }, { axis, batchDims: 0 }).arraySync());
  });

  it('keeps the shape of empty rows (tfjs-backend-wasm 4.22 made [5, 0] by [4] into [1, 1, 4, 0])', () => {
    expect(tf.gather(tf.zeros([5, 0]), tf.tensor1d([0, 4, 2, 1], 'int32')).shape).toEqual([4, 0]);
  });

  it('leaves an index out of range to tfjs, which names it', () => {
    expect(() => tf.gather(normal([4, 3]), tf.tensor1d([1, 4], 'int32'))).toThrow(/index value 4 is not in \[0, 3\]/);
  });
});

describe('batched products (attention)', () => {
  // Small integers: every sum is exact in float32, so each form must equal tfjs's matMul exactly.
  const ints = (shape: number[], salt: number) => tf.tensor(Array.from({ length: tf.util.sizeFromShape(shape) }, (_, i) => ((i * 7 + salt) % 9) - 4), shape);
  it.each([
    [[48, 64, 32], [48, 32, 64], false, false],
    [[48, 64, 64], [48, 64, 32], false, false],
    [[48, 64, 64], [48, 64, 32], true, false],
    [[48, 64, 32], [48, 64, 32], false, true],
    [[2, 5, 3], [2, 3, 16], false, false],
    [[3, 4, 7], [3, 4, 32], true, false],
  ])('%j · %j (transposeA %s, transposeB %s) is one SIMD kernel equal to tfjs', (aShape, bShape, tA, tB) => {
    const [a, b] = [ints(aShape, 1), ints(bShape, 5)];
    const got = simdBatchedMatMul(a as tf.Tensor3D, (tB ? tf.transpose(b, [0, 2, 1]) : b) as tf.Tensor3D, tA);
    expect(got, 'the kernel ran').toBeDefined();
    expect(got!.arraySync()).toEqual(tf.matMul(a, b, tA, tB).arraySync());
  });

  it('is not used where columns are not a multiple of 16', () => {
    expect(simdBatchedMatMul(ints([2, 3, 4], 1) as tf.Tensor3D, ints([2, 4, 12], 2) as tf.Tensor3D, false)).toBeUndefined();
  });
});
