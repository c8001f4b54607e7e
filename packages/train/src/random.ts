import { InputError } from '@attnjs/core';
import { xoshiro128ss } from '@attnjs/core/internal';

/** The whole state of a `Random`: four unsigned 32-bit words, saved in checkpoints. */
export type RandomState = readonly [number, number, number, number];

/**
 * A seeded generator (xoshiro128**, seeded through splitmix32) whose state can be saved and restored, so a
 * resumed run draws exactly the numbers an uninterrupted one would. Not for cryptography.
 */
export class Random {
  private s: Uint32Array;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed)) throw new InputError(`seed must be an integer, got ${String(seed)}`);
    let x = seed >>> 0;
    const splitmix32 = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s = Uint32Array.from([splitmix32(), splitmix32(), splitmix32(), splitmix32()]);
  }

  static fromState(state: RandomState): Random {
    if (!Array.isArray(state) || state.length !== 4 || state.some((w) => !Number.isInteger(w) || w < 0 || w > 0xffffffff)) {
      throw new InputError(`random state must be four unsigned 32-bit integers, got ${JSON.stringify(state)}`);
    }
    const random = new Random(0);
    random.s = Uint32Array.from(state);
    return random;
  }

  state(): RandomState {
    return [this.s[0]!, this.s[1]!, this.s[2]!, this.s[3]!];
  }

  /** A uniform unsigned 32-bit integer. */
  uint32(): number {
    return xoshiro128ss(this.s);
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  next(): number {
    return this.uint32() / 4294967296;
  }

  /** A uniform integer in [0, n), without modulo bias. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) throw new InputError(`Random.int needs 0 < n ≤ 2^32, got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.uint32();
    while (x >= limit);
    return x % n;
  }

  /** A permutation of 0 … n−1 (Fisher–Yates). */
  permutation(n: number): number[] {
    const out = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j]!, out[i]!];
    }
    return out;
  }
}
