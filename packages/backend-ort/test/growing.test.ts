/**
 * ONNX Runtime's growing state slots (a KV cache appended to in place): after any sequence of appends the
 * slot holds exactly the concatenation, followed by zeros; appends with room write in place; capacity grows
 * geometrically, so a long decode reallocates only O(log n) times.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { appendAlong, grownCapacity } from '../src/growing.js';

/** Deterministic values: a linear congruential sequence. */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) - 0.5);
}

/** Concatenation along `axis` of [outer, n_i, inner] blocks, computed independently. */
function concat(parts: { data: Float32Array; n: number }[], outer: number, inner: number): number[] {
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const p of parts) out.push(...p.data.subarray(o * p.n * inner, (o + 1) * p.n * inner));
  return out;
}

describe('appendAlong (ONNX Runtime state slots that grow)', () => {
  it('holds the concatenation of every append, then zeros, on axis 2 of [B, h, T, hs]', () => {
    const [B, h, hs] = [3, 2, 4];
    let held = new ort.Tensor('float32', new Float32Array(0), [B, h, 0, hs]);
    let length = 0;
    const parts: { data: Float32Array; n: number }[] = [];
    let reallocations = 0;
    for (let step = 0; step < 200; step++) {
      const n = step === 0 ? 7 : 1 + (step % 5 === 0 ? 2 : 0);
      const data = values(B * h * n * hs, step + 1);
      parts.push({ data, n });
      const next = appendAlong(ort.Tensor, held, length, new ort.Tensor('float32', data, [B, h, n, hs]), 2);
      if (next !== held) reallocations++;
      held = next;
      length += n;
      const capacity = held.dims[2]!;
      expect(capacity).toBeGreaterThanOrEqual(length);
      // The real rows of each (b, head), then zeros up to the capacity.
      const got = held.data as Float32Array;
      const want = concat(parts, B * h, hs);
      for (let o = 0; o < B * h; o++) {
        const row = Array.from(got.subarray(o * capacity * hs, (o + 1) * capacity * hs));
        expect(row.slice(0, length * hs)).toEqual(want.slice(o * length * hs, (o + 1) * length * hs));
        expect(row.slice(length * hs).every((x) => x === 0)).toBe(true);
      }
    }
    expect(length).toBe(7 + 199 + 2 * 39);
    expect(reallocations).toBeLessThanOrEqual(Math.ceil(Math.log(length / 16) / Math.log(1.5)) + 2);
  });

  it('grows int64 masks along axis 1 and writes in place while there is room', () => {
    const empty = new ort.Tensor('int64', new BigInt64Array(0), [2, 0]);
    const first = appendAlong(ort.Tensor, empty, 0, new ort.Tensor('int64', BigInt64Array.from([1n, 0n, 1n, 1n]), [2, 2]), 1);
    expect(first.dims).toEqual([2, grownCapacity(0, 2)]);
    const second = appendAlong(ort.Tensor, first, 2, new ort.Tensor('int64', BigInt64Array.from([1n, 1n]), [2, 1]), 1);
    expect(second).toBe(first);
    const capacity = first.dims[1]!;
    const row = (r: number) => Array.from((second.data as BigInt64Array).subarray(r * capacity, r * capacity + 4));
    expect(row(0)).toEqual([1n, 0n, 1n, 0n]);
    expect(row(1)).toEqual([1n, 1n, 1n, 0n]);
  });

  it('grows by half its capacity at least, and never below what is needed', () => {
    expect(grownCapacity(0, 128)).toBe(128);
    expect(grownCapacity(128, 129)).toBe(192);
    expect(grownCapacity(192, 500)).toBe(500);
    expect(grownCapacity(0, 1)).toBe(16);
  });
});
