/**
 * Fresh weights for a task head the checkpoint lacks (`initNewHeads`), as HF's `_init_weights` draws
 * them for nn.Linear: weight N(0, initializer_range), bias 0. The generator is seeded so that loading
 * the same folder twice gives the same head.
 */
import type { Parameter } from './module.js';

/** How `loadParameters` fills a missing head parameter. */
export interface NewHeadInit {
  /** config.initializer_range (0.02 in BERT and GPT-2). */
  readonly std: number;
  readonly seed?: number;
}

/** mulberry32: a small, fast 32-bit generator; plenty for initial weights. */
function uniformGenerator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fills each parameter in order: `*.bias` with 0, `*LayerNorm.weight` with 1, other weights with N(0, std) (Box–Muller). */
export function initializeNewParameters(params: readonly (readonly [string, Parameter])[], init: NewHeadInit): void {
  const uniform = uniformGenerator(init.seed ?? 42);
  for (const [name, p] of params) {
    const data = p.value.data;
    if (name.endsWith('.bias')) data.fill(0);
    else if (/LayerNorm\.weight$|ln_\w+\.weight$/.test(name)) data.fill(1);
    else {
      for (let i = 0; i < data.length; i++) {
        const radius = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 − u ∈ (0, 1]: no log(0)
        data[i] = init.std * radius * Math.cos(2 * Math.PI * uniform());
      }
    }
  }
}
