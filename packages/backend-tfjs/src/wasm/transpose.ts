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
 * tfjs-backend-wasm's Transpose moves one element at a time. Splitting and merging attention heads
 * ([B, T, h, d] ↔ [B, h, T, d]) swaps two groups of axes above a contiguous run of d elements; the SIMD
 * module copies those runs whole (~2× faster for d = 32). Single-element swaps (a matrix transposed)
 * and elements other than 4 bytes (float32, int32) stay with tfjs's kernel, which is as fast there.
 */
export function transposeByRuns(): void {
  overrideWasmKernel('Transpose', ({ inputs, attrs, backend }, simd) => {
    const x = inputs.x as tf.TensorInfo;
    const { perm } = attrs as unknown as { perm: number[] };
    const groups = groupSwap(x.shape, perm);
    if (!simd || !groups || groups[3] === 1 || (x.dtype !== 'float32' && x.dtype !== 'int32')) return undefined;
    const out = backend.makeOutput(perm.map((p) => x.shape[p]!), x.dtype);
    simd.swap_axes(heapOffset(backend, x), heapOffset(backend, out), ...groups);
    return out;
  });
}
