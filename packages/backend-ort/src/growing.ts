/**
 * State slots that grow along an axis (`Program.stateAppends`, a KV cache) on ONNX Runtime. A session's
 * inputs must be contiguous, so a slot is a tensor with spare capacity along the axis, zero-filled, that
 * later steps append into in place: a decode step copies only its new rows, never what the cache holds
 * (which a graph output holding past + new would make ONNX Runtime copy twice per step: Concat, then out of
 * its memory into JavaScript). The session reads the spare capacity as zeros, which the program's mask hides.
 */
import type * as OrtWeb from 'onnxruntime-web';

type OrtTensor = OrtWeb.Tensor;
type Data = Float32Array | BigInt64Array;

/** Capacity for `needed` entries along the axis: 1.5× growth, so appends copy each entry O(1) times on average. */
export function grownCapacity(current: number, needed: number): number {
  return Math.max(needed, current + (current >> 1), 16);
}

/**
 * `value` appended to `held` (of which the first `length` entries along `axis` are real) along `axis`,
 * in place when `held` has room, else into a new, larger zero-filled tensor. Frees neither.
 */
export function appendAlong(Tensor: typeof OrtWeb.Tensor, held: OrtTensor, length: number, value: OrtTensor, axis: number): OrtTensor {
  const dims = held.dims.map(Number);
  const added = value.dims.map(Number);
  const needed = length + added[axis]!;
  let target = held;
  if (needed > dims[axis]!) {
    const grown = dims.map((d, i) => (i === axis ? grownCapacity(d, needed) : d));
    const size = grown.reduce((a, b) => a * b, 1);
    const data = held.type === 'int64' ? new BigInt64Array(size) : new Float32Array(size);
    target = new Tensor(held.type as 'float32', data as Float32Array, grown);
    copyAlong(held.data as Data, dims, data, grown, axis, 0, length);
  }
  copyAlong(value.data as Data, added, target.data as Data, target.dims.map(Number), axis, length, added[axis]!);
  return target;
}

/**
 * Copies the first `count` entries along `axis` of `src` (dims `from`) to entries `at`… of `dst` (dims `to`,
 * equal to `from` except along `axis`): one block per index of the leading axes.
 */
function copyAlong(src: Data, from: readonly number[], dst: Data, to: readonly number[], axis: number, at: number, count: number): void {
  const outer = from.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = from.slice(axis + 1).reduce((a, b) => a * b, 1);
  const block = count * inner;
  for (let o = 0; o < outer; o++) {
    const start = o * from[axis]! * inner;
    (dst as Float32Array).set((src as Float32Array).subarray(start, start + block), (o * to[axis]! + at) * inner);
  }
}
