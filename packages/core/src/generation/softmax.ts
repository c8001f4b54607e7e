/** Row helpers for the processors: softmax and log-softmax in float64 (sums over a large vocabulary stay accurate), orderings. */

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

/** The k-th largest value (k ≥ 1): one pass keeping the k best, since k is small and the row is long. */
export function kthLargest(values: ArrayLike<number>, k: number): number {
  const best = new Float64Array(k).fill(-Infinity); // best first
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!(value > best[k - 1]!)) continue;
    let at = k - 1;
    while (at > 0 && value > best[at - 1]!) {
      best[at] = best[at - 1]!;
      at--;
    }
    best[at] = value;
  }
  return best[k - 1]!;
}
