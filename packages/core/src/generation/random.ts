/**
 * A seeded random source for sampling: xoshiro128** (Blackman & Vigna), seeded through splitmix32.
 * Pure 32-bit integer arithmetic, so a seed gives the same draws on every engine and JavaScript runtime.
 */
/**
 * One xoshiro128** step over a 4-word state (updated in place): the next 32 random bits. Shared by every
 * seeded generator in attn.js (sampling here, the trainer's checkpointed `Random`).
 */
export function xoshiro128ss(s: Uint32Array): number {
  const result = Math.imul(rotl(Math.imul(s[1]!, 5), 7), 9) >>> 0;
  const t = s[1]! << 9;
  s[2]! ^= s[0]!;
  s[3]! ^= s[1]!;
  s[1]! ^= s[2]!;
  s[0]! ^= s[3]!;
  s[2]! ^= t;
  s[3] = rotl(s[3]!, 11);
  return result;
}

export class SeededRandom {
  private readonly state = new Uint32Array(4);

  /**
   * `stream` picks one of many independent sequences under the same seed: generation gives each copy
   * of a prompt its own, so a prompt's draws do not depend on the rest of the batch.
   */
  constructor(seed: number, stream = 0) {
    // Both halves of a safe integer feed the state, so seeds differing only above bit 32 still differ.
    let mix = (seed >>> 0) ^ Math.imul(Math.floor(seed / 2 ** 32) >>> 0, 0x9e3779b9) ^ Math.imul(stream + 1, 0x85ebca77);
    for (let i = 0; i < 4; i++) {
      mix = (mix + 0x9e3779b9) | 0;
      let z = mix;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      this.state[i] = z ^ (z >>> 16);
    }
  }

  /** The next 32 random bits. */
  nextUint32(): number {
    return xoshiro128ss(this.state);
  }

  /** A uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number {
    const high = this.nextUint32() >>> 5; // 27 bits
    const low = this.nextUint32() >>> 6; // 26 bits
    return (high * 67108864 + low) / 9007199254740992;
  }

  /** Draws an index with probability proportional to `weights` (non-negative, not all zero). */
  sample(weights: ArrayLike<number>): number {
    let total = 0;
    for (let i = 0; i < weights.length; i++) total += weights[i]!;
    const target = this.nextFloat() * total;
    let cumulative = 0;
    let last = -1;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i]! <= 0) continue;
      cumulative += weights[i]!;
      last = i;
      if (cumulative > target) return i;
    }
    return last; // rounding left `target` just past the final cumulative sum
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
