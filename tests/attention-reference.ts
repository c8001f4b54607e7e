/**
 * An independent float64 re-computation of one Transformer block from a checkpoint's weights, for the
 * attention tests: written from the architectures' definitions (HF's GPT2Block and BertLayer) in plain
 * JavaScript numbers, sharing no code with the library. Sequences are trimmed to their valid positions:
 * with right padding, a valid query never sees a padded key, so trimming is exact there.
 */
import { type HostTensor, readSafetensors } from '@attnjs/core';

type Matrix = number[][]; // [T][features]

export type Architecture = 'gpt2' | 'bert';

/** One block's float64 weights, looked up under the checkpoint's names. */
export interface BlockWeights {
  readonly get: (name: string) => HostTensor;
  readonly prefix: string;
}

/** The checkpoint's tensors and, per architecture, the prefix of block `layer`. */
export async function readBlocks(file: string, architecture: Architecture): Promise<(layer: number) => BlockWeights> {
  const tensors = new Map([...(await readSafetensors(file)).tensors].map(([k, t]) => [k, t.tensor] as const));
  const base = architecture === 'gpt2' ? ['transformer.h', 'h'] : ['bert.encoder.layer', 'encoder.layer'];
  const root = base.find((b) => tensors.has(architecture === 'gpt2' ? `${b}.0.ln_1.weight` : `${b}.0.attention.self.query.weight`))!;
  const get = (name: string) => {
    const t = tensors.get(name);
    if (!t) throw new Error(`test setup: ${file} has no ${name}`);
    return t;
  };
  return (layer) => ({ get, prefix: `${root}.${layer}.` });
}

/** y = x·W + b for W [in, out] (GPT-2 Conv1D) or y = x·Wᵀ + b for W [out, in] (nn.Linear). */
function linear(x: Matrix, w: HostTensor, b: HostTensor, layout: 'inOut' | 'outIn'): Matrix {
  const [d0, d1] = w.shape as [number, number];
  const [inSize, outSize] = layout === 'inOut' ? [d0, d1] : [d1, d0];
  return x.map((row) => {
    const y = Array.from(b.data as Float32Array, Number);
    for (let o = 0; o < outSize; o++) {
      let s = 0;
      for (let i = 0; i < inSize; i++) s += row[i]! * w.data[layout === 'inOut' ? i * outSize + o : o * inSize + i]!;
      y[o]! += s;
    }
    return y;
  });
}

function layerNorm(x: Matrix, w: HostTensor, b: HostTensor, eps: number): Matrix {
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const variance = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(variance + eps)) * w.data[i]! + b.data[i]!);
  });
}

/** erf by its Taylor series (|x| ≤ 5: terms stay below 1e10, so ~1e-6 relative is lost at worst, far under the tolerances). */
function erf(x: number): number {
  if (Math.abs(x) > 5) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200; n++) {
    term *= (-x * x) / n;
    const add = term / (2 * n + 1);
    sum += add;
    if (Math.abs(add) < 1e-17) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

const gelu: Record<Architecture, (x: number) => number> = {
  gpt2: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))),
  bert: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
};

const add = (a: Matrix, b: Matrix): Matrix => a.map((row, i) => row.map((v, j) => v + b[i]![j]!));

/** q, k, v (each [T][d]) of block `w` for its input `x` ([T][d], the previous layer's hidden state). */
function projections(architecture: Architecture, w: BlockWeights, x: Matrix, eps: number): { q: Matrix; k: Matrix; v: Matrix } {
  const p = (name: string) => w.get(w.prefix + name);
  if (architecture === 'bert') {
    const proj = (name: string) => linear(x, p(`attention.self.${name}.weight`), p(`attention.self.${name}.bias`), 'outIn');
    return { q: proj('query'), k: proj('key'), v: proj('value') };
  }
  const qkv = linear(layerNorm(x, p('ln_1.weight'), p('ln_1.bias'), eps), p('attn.c_attn.weight'), p('attn.c_attn.bias'), 'inOut');
  const d = x[0]!.length;
  const part = (i: number) => qkv.map((row) => row.slice(i * d, (i + 1) * d));
  return { q: part(0), k: part(1), v: part(2) };
}

/** softmax(q·kᵀ/√hs + mask) per head over the T valid positions: [heads][T][T]. */
export function referenceProbabilities(architecture: Architecture, w: BlockWeights, x: Matrix, heads: number, eps: number): number[][][] {
  const { q, k } = projections(architecture, w, x, eps);
  const T = x.length;
  const hs = x[0]!.length / heads;
  return Array.from({ length: heads }, (_, h) =>
    Array.from({ length: T }, (_, i) => {
      const scores = Array.from({ length: T }, (_, j) => {
        if (architecture === 'gpt2' && j > i) return -Infinity; // causal
        let s = 0;
        for (let e = 0; e < hs; e++) s += q[i]![h * hs + e]! * k[j]![h * hs + e]!;
        return s / Math.sqrt(hs);
      });
      const m = Math.max(...scores);
      const exps = scores.map((s) => Math.exp(s - m));
      const z = exps.reduce((a, v) => a + v, 0);
      return exps.map((e) => e / z);
    }),
  );
}

/**
 * The block's output for input `x` when its attention probabilities are `probabilities` ([heads][T][T]):
 * context = P·V per head, then the output projection, residuals, LayerNorms and MLP of the architecture;
 * `finalNorm` applies GPT-2's ln_f (HF's last hidden state).
 */
export function blockOutput(
  architecture: Architecture,
  w: BlockWeights,
  x: Matrix,
  probabilities: number[][][],
  eps: number,
  finalNorm?: { weight: HostTensor; bias: HostTensor },
): Matrix {
  const p = (name: string) => w.get(w.prefix + name);
  const { v } = projections(architecture, w, x, eps);
  const heads = probabilities.length;
  const d = x[0]!.length;
  const hs = d / heads;
  const context = x.map((_, i) =>
    Array.from({ length: d }, (_, c) => {
      const h = Math.floor(c / hs);
      return probabilities[h]![i]!.reduce((a, pij, j) => a + pij * v[j]![c]!, 0);
    }),
  );
  const act = (m: Matrix) => m.map((row) => row.map(gelu[architecture]));
  if (architecture === 'bert') {
    const attended = linear(context, p('attention.output.dense.weight'), p('attention.output.dense.bias'), 'outIn');
    const y = layerNorm(add(x, attended), p('attention.output.LayerNorm.weight'), p('attention.output.LayerNorm.bias'), eps);
    const ff = linear(act(linear(y, p('intermediate.dense.weight'), p('intermediate.dense.bias'), 'outIn')), p('output.dense.weight'), p('output.dense.bias'), 'outIn');
    return layerNorm(add(y, ff), p('output.LayerNorm.weight'), p('output.LayerNorm.bias'), eps);
  }
  const x2 = add(x, linear(context, p('attn.c_proj.weight'), p('attn.c_proj.bias'), 'inOut'));
  const up = linear(layerNorm(x2, p('ln_2.weight'), p('ln_2.bias'), eps), p('mlp.c_fc.weight'), p('mlp.c_fc.bias'), 'inOut');
  const out = add(x2, linear(act(up), p('mlp.c_proj.weight'), p('mlp.c_proj.bias'), 'inOut'));
  return finalNorm ? layerNorm(out, finalNorm.weight, finalNorm.bias, eps) : out;
}

/** Row `b`'s probabilities from a [B, heads, T, T] host tensor, trimmed to the first `length` queries and keys. */
export function trimmedProbabilities(t: HostTensor, b: number, length: number): number[][][] {
  const [, H, T] = t.shape as [number, number, number, number];
  return Array.from({ length: H }, (_, h) =>
    Array.from({ length }, (_, i) => Array.from(t.data.subarray(((b * H + h) * T + i) * T, ((b * H + h) * T + i) * T + length), Number)),
  );
}
