/** Host-side float64 math on logits: softmax, sigmoid, top-k. Pipelines turn logits into scores here. */

/** softmax(row) in float64, shifted by the max so large logits do not overflow. */
export function softmax(row: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) max = Math.max(max, row[i]!);
  const out = new Float64Array(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += out[i] = Math.exp(row[i]! - max);
  for (let i = 0; i < row.length; i++) out[i]! /= sum;
  return out;
}

export function sigmoid(row: ArrayLike<number>): Float64Array {
  return Float64Array.from(row as ArrayLike<number>, (x) => 1 / (1 + Math.exp(-x)));
}

/** The indices of the `k` largest values, largest first (ties: lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  const indices = Array.from({ length: values.length }, (_, i) => i);
  indices.sort((a, b) => values[b]! - values[a]! || a - b);
  return indices.slice(0, Math.min(k, values.length));
}

/** Row `b` (length `width`) of a flat [rows, width] array. */
export function row(data: Float32Array, b: number, width: number): Float32Array {
  return data.subarray(b * width, (b + 1) * width);
}
