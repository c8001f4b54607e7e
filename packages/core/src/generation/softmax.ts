/** Softmax and log-softmax of one row, in float64 so that sums over a large vocabulary stay accurate. */

export function softmax(scores: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  const probs = new Float64Array(scores.length);
  if (max === -Infinity) return probs; // every token banned: no probability anywhere
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += probs[i] = Math.exp(scores[i]! - max);
  for (let i = 0; i < probs.length; i++) probs[i]! /= sum;
  return probs;
}

export function logSoftmax(scores: ArrayLike<number>): Float64Array {
  let max = -Infinity;
  for (let i = 0; i < scores.length; i++) if (scores[i]! > max) max = scores[i]!;
  let sum = 0;
  for (let i = 0; i < scores.length; i++) sum += Math.exp(scores[i]! - max);
  const logNorm = max + Math.log(sum);
  const out = new Float64Array(scores.length);
  for (let i = 0; i < scores.length; i++) out[i] = scores[i]! - logNorm;
  return out;
}

/** Indices ordered by `key`, ascending (ties by index, so the order is the same on every engine). */
export function argsort(key: ArrayLike<number>, descending = false): Int32Array {
  const order = Int32Array.from({ length: key.length }, (_, i) => i);
  const sign = descending ? -1 : 1;
  return order.sort((a, b) => sign * (key[a]! - key[b]!) || a - b);
}
