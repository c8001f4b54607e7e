import * as tf from '@tensorflow/tfjs-core';
import { simdBatchedMatMul, simdBatchedMatMulFor } from '../wasm/batched-matmul.js';

/**
 * Batched matmul for tfjs-backend-wasm, whose BatchMatMul kernel runs every batch of more than one matrix
 * through a scalar loop: the SIMD module's kernel where it runs (see batchProduct), else one depthwise
 * convolution (attention's [48, 64, 32]·[48, 32, 64] took tfjs 2–4× as long as this), which runs on
 * XNNPACK: with the batch as channels, a 1 × k filter and a channel multiplier of n, channel c's output is
 * exactly A[c]·B[c]:
 *
 *   input [1, m, k, batch] (NHWC), filter [1, k, batch, n] → out[0, i, 0, c·n + j] = Σ_t A[c][i, t]·B[c][t, j]
 *
 * Operand transposes fold into the permutations that make those layouts, so none is materialised.
 */
function depthwiseProduct(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const batch = a.shape[0];
  const [m, k] = transposeA ? [a.shape[2], a.shape[1]] : [a.shape[1], a.shape[2]];
  const n = transposeB ? b.shape[1] : b.shape[2];
  // aᵀ's layout [m, k, batch] from a [batch, k, m] takes two transposes that each swap two groups of
  // axes (backend-tfjs's fast wasm path) rather than one that reverses all three (tfjs's slow kernel).
  const rows = transposeA ? tf.transpose(a, [0, 2, 1]) : a; // [batch, m, k]
  const input = tf.reshape(tf.transpose(rows, [1, 2, 0]), [1, m, k, batch]); // [m, k, batch]
  const filter = tf.reshape(tf.transpose(b, transposeB ? [2, 0, 1] : [1, 0, 2]), [1, k, batch, n]); // [k, batch, n]
  const out = tf.depthwiseConv2d(input as tf.Tensor4D, filter as tf.Tensor4D, 1, 'valid'); // [1, m, 1, batch·n]
  return tf.transpose(tf.reshape(out, [m, batch, n]), [1, 0, 2]);
}

/**
 * op(a)·op(b) per matrix: the SIMD module's kernel where it runs and n is a multiple of 16 (attention's
 * head sizes and lengths usually are), op(b) made by a fast transpose; else the depthwise convolution. The
 * kernel needs none of the convolution's layout transposes: nanoGPT's attention products took 9.1 → 4.6 ms
 * per forward and 30 → 14 ms per training step, its transposes 17 → 9 ms per step.
 */
function batchProduct(a: tf.Tensor3D, b: tf.Tensor3D, transposeA: boolean, transposeB: boolean): tf.Tensor3D {
  const n = transposeB ? b.shape[1] : b.shape[2];
  const simd = simdBatchedMatMulFor(n) ? simdBatchedMatMul(a, transposeB ? (tf.transpose(b, [0, 2, 1]) as tf.Tensor3D) : b, transposeA) : undefined;
  return simd ?? depthwiseProduct(a, b, transposeA, transposeB);
}

type Product = (a: tf.Tensor3D, b: tf.Tensor3D) => tf.Tensor3D;

/**
 * op(a)·op(b) with op a transpose where flagged, differentiable; the gradients (TensorFlow's MatMul
 * gradients, per transpose case) are depthwise products too.
 */
function differentiableProduct(transposeA: boolean, transposeB: boolean): Product {
  const grads = (a: tf.Tensor3D, b: tf.Tensor3D, dy: tf.Tensor3D): [tf.Tensor3D, tf.Tensor3D] => {
    if (!transposeA && !transposeB) return [batchProduct(dy, b, false, true), batchProduct(a, dy, true, false)];
    if (!transposeA) return [batchProduct(dy, b, false, false), batchProduct(dy, a, true, false)];
    if (!transposeB) return [batchProduct(b, dy, false, true), batchProduct(a, dy, false, false)];
    return [batchProduct(b, dy, true, true), batchProduct(dy, a, true, true)];
  };
  return tf.customGrad(((a: tf.Tensor3D, b: tf.Tensor3D, save: tf.GradSaveFunc) => {
    save([a, b]);
    return {
      value: batchProduct(a, b, transposeA, transposeB),
      gradFunc: (dy: tf.Tensor3D, [sa, sb]: tf.Tensor[]) => grads(sa as tf.Tensor3D, sb as tf.Tensor3D, dy),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as unknown as Product;
}

const PRODUCTS = [false, true].map((tA) => [false, true].map((tB) => differentiableProduct(tA, tB)));

/**
 * op(a) [..., m, k] · op(b) [..., k, n] for operands with the same batch shape (attention's [B, h, T, d]
 * products), differentiable, on tfjs-backend-wasm's fast path.
 */
export function batchedMatMul(a: tf.Tensor, b: tf.Tensor, transposeA: boolean, transposeB: boolean): tf.Tensor {
  const lead = a.shape.slice(0, -2);
  const flat = (t: tf.Tensor) => tf.reshape(t, [-1, t.shape[t.rank - 2]!, t.shape[t.rank - 1]!]) as tf.Tensor3D;
  const out = PRODUCTS[Number(transposeA)]![Number(transposeB)]!(flat(a), flat(b));
  return tf.reshape(out, [...lead, ...out.shape.slice(1)]);
}
