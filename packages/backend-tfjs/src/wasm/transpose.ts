import * as tf from '@tensorflow/tfjs-core';
import { heapOffset, overrideWasmKernel } from './override.js';

/**
 * `perm` as a swap of two adjacent groups of axes, [..i) [j..k) [i..j) [k..), as the sizes A, B, C, D of
 * x viewed as [A, B, C, D] (the result is [A, C, B, D]); undefined for any other permutation.
 */
export function groupSwap(shape: readonly number[], perm: readonly number[]): [number, number, number, number] | undefined {
  const n = perm.length;
  let i = 0;
  while (i < n && perm[i] === i) i++;
  let k = n;
  while (k > i && perm[k - 1] === k - 1) k--;
  if (i === k) return undefined; // the identity
  const j = perm[i]!;
  // perm[i..k) must be j, j+1, …, k−1 followed by i, i+1, …, j−1.
  for (let t = i; t < k; t++) {
    const want = t - i < k - j ? j + (t - i) : i + (t - i - (k - j));
    if (perm[t] !== want) return undefined;
  }
  const size = (from: number, to: number) => shape.slice(from, to).reduce((a, b) => a * b, 1);
  return [size(0, i), size(i, j), size(j, k), size(k, n)];
}

/**
 * tfjs-backend-wasm's Transpose moves one element at a time. Every transpose a Transformer makes swaps
 * two adjacent groups of axes: matrices transposed (weights and activations for gradients, attention's
 * [B·h, T, T] products) go through the SIMD module in 4 × 4 blocks; attention's head split and merge
 * ([B, T, h, d] ↔ [B, h, T, d]) move runs of d elements. Elements of 4 bytes (float32, int32) only.
 */
export function transposeByRuns(): void {
  overrideWasmKernel('Transpose', ({ inputs, attrs, backend }, simd) => {
    const x = inputs.x as tf.TensorInfo;
    const { perm } = attrs as unknown as { perm: number[] };
    const groups = groupSwap(x.shape, perm);
    if (!simd || !groups || (x.dtype !== 'float32' && x.dtype !== 'int32')) return undefined;
    const out = backend.makeOutput(perm.map((p) => x.shape[p]!), x.dtype);
    const [A, B, C, D] = groups;
    if (D === 1) simd.transpose_blocks(heapOffset(backend, x), heapOffset(backend, out), A, B, C);
    else simd.swap_axes(heapOffset(backend, x), heapOffset(backend, out), A, B, C, D);
    return out;
  });
}
