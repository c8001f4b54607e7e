/** Helpers for comparing engine outputs with the float64 PyTorch references in testdata/. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { HostTensor } from '@attnjs/core';
import { expect } from 'vitest';
import { TESTDATA } from './engines.js';

export const fixtureDir = (name: string): string => fileURLToPath(new URL(`${name}/`, TESTDATA));

// biome-ignore lint: reference files are free-form JSON
export const readReference = (name: string): any =>
  JSON.parse(readFileSync(new URL(`${name}/reference.json`, TESTDATA), 'utf8'));

/** Tolerances from testdata/README.md: float32 implementation vs the float64 block. */
export const TOLERANCE = { normal: 1e-5, sharp: 2e-5 } as const;

/** Row `b` of a [B, T, ...] host tensor, first `length` positions, as nested arrays. */
export function rows(t: HostTensor, b: number, length: number): number[][] {
  const [, T, D] = t.shape as [number, number, number];
  return Array.from({ length }, (_, i) => Array.from(t.data.subarray((b * T + i) * D, (b * T + i + 1) * D)));
}

/** Asserts |got − want| ≤ tol·(1 + |want|) elementwise (the relative form in testdata/README.md). */
export function expectClose(got: ArrayLike<number> | number[][], want: unknown, tol: number, what: string): void {
  const g = flat(got);
  const w = flat(want);
  expect(g.length, `${what}: element count`).toBe(w.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < w.length; i++) {
    const excess = Math.abs(g[i]! - w[i]!) / (1 + Math.abs(w[i]!));
    if (!(excess <= worst)) [worst, at] = [excess, i];
  }
  if (!(worst <= tol)) {
    expect.fail(`${what}: |Δ| = ${Math.abs(g[at]! - w[at]!).toExponential(2)} at ${at} (got ${g[at]}, want ${w[at]}), tolerance ${tol}`);
  }
}

function flat(x: unknown): number[] {
  if (typeof x === 'number') return [x];
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  return (x as unknown[]).flatMap(flat);
}

/** Argmax over the last axis, skipping positions whose reference top1 − top2 margin is below 1e-5. */
export function expectArgmax(logits: HostTensor, want: number[][], margins: number[][], lengths: number[]): void {
  const V = logits.shape[2]!;
  lengths.forEach((length, b) => {
    for (let t = 0; t < length; t++) {
      if (margins[b]![t]! < 1e-5) continue;
      const row = rows(logits, b, length)[t]!;
      const best = row.indexOf(Math.max(...row));
      expect(best, `argmax at [${b}][${t}]`).toBe(want[b]![t]);
      expect(row.length).toBe(V);
    }
  });
}

