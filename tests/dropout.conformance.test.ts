/**
 * Training-mode dropout on every engine: the tfjs engines draw inverted dropout's mask (a share `rate`
 * zeroed, the rest scaled by 1/(1 − rate)) and, from one seed, the same mask on cpu and wasm (tfjs draws
 * it on the host); ONNX Runtime has no randomMask kernel, so it refuses with UnsupportedError rather than
 * training without dropout.
 */
import { type Backend, type Ops, type Tensor, UnsupportedError, hostTensor } from '@attnjs/core';
import { describe, expect, it } from 'vitest';
import { USER_ENGINES } from './engines.js';

const RATE = 0.2;
const SEED = 12345;
const ones = hostTensor(new Float32Array(64 * 64).fill(1), [64, 64]);
let owner = 0;
const dropped = (backend: Backend) =>
  backend.run({ owner: { id: owner++ }, key: 'dropout', build: (ops: Ops, x: Record<string, Tensor>) => ({ y: ops.dropout(x.x!, RATE, SEED) }) }, { x: ones });

const masks = new Map<string, Float32Array>();

describe.each(USER_ENGINES)('dropout on $name', ({ name, create }) => {
  it(name.startsWith('tfjs') ? 'draws a seeded inverted-dropout mask' : 'refuses training-mode dropout', async () => {
    const backend = await create();
    try {
      if (!name.startsWith('tfjs')) {
        const refusal = dropped(backend);
        await expect(refusal).rejects.toThrow(UnsupportedError);
        await expect(refusal).rejects.toThrow(/no randomMask kernel, so it cannot apply dropout/);
        return;
      }
      const y = (await dropped(backend)).y!.data as Float32Array;
      const zeros = y.filter((v) => v === 0).length / y.length;
      expect(Math.abs(zeros - RATE)).toBeLessThan(4 * Math.sqrt((RATE * (1 - RATE)) / y.length)); // 4σ
      expect(new Set(y.filter((v) => v !== 0))).toEqual(new Set([Math.fround(1 / (1 - RATE))]));
      expect((await dropped(backend)).y!.data).toEqual(y); // the same seed, the same mask
      for (const [other, mask] of masks) expect(y, `${name} and ${other}`).toEqual(mask);
      masks.set(name, y);
    } finally {
      await backend.dispose();
    }
  });
});
