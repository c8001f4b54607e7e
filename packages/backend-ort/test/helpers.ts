/** Shared by this package's tests: the two ONNX Runtimes, seeded data, closeness checks. */
import { type Backend, hostTensor, Parameter } from '@attnjs/core';
import * as ortNode from 'onnxruntime-node';
import { expect } from 'vitest';
import { createOrtBackend, type OrtModule } from '../src/index.js';

export { ortNode };

export interface OrtEngine {
  readonly name: 'ort-web' | 'ort-node';
  create(): Promise<Backend>;
}

export const ORT_ENGINES: readonly OrtEngine[] = [
  { name: 'ort-web', create: () => createOrtBackend() },
  { name: 'ort-node', create: () => createOrtBackend({ ort: ortNode as unknown as OrtModule }) },
];

/** Mulberry32: a small seeded generator, so every run sees the same numbers. */
export function seeded(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function randomFloats(random: () => number, shape: number[], scale = 1) {
  const n = shape.reduce((a, b) => a * b, 1);
  return hostTensor(Float32Array.from({ length: n }, () => (random() * 2 - 1) * scale), shape);
}

export function randomParameter(random: () => number, shape: number[], scale = 1): Parameter {
  const p = new Parameter(shape);
  p.value = randomFloats(random, shape, scale);
  return p;
}

/** |got − want| ≤ atol + rtol·|want| elementwise, reporting the worst element. */
export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, atol: number, rtol = 0, what = 'value'): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const excess = Math.abs(got[i]! - want[i]!) - (atol + rtol * Math.abs(want[i]!));
    if (!(excess <= worst)) [worst, at] = [excess, i];
  }
  if (at >= 0) expect.fail(`${what}: element ${at} is ${got[at]}, want ${want[at]} (atol ${atol}, rtol ${rtol})`);
}
