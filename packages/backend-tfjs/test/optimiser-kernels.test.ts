/**
 * The optimiser's kernels that cpu and wasm run over their memory (wasm from its SIMD module): AdamW
 * against core's decomposition on the same device, bit for bit, and both against a float64 AdamW written
 * out here; the sum of squares (a gradient norm) against a float64 sum.
 */
import { type HostTensor, hostTensor, type Ops, ShapeMismatchError, type Tensor } from '@attnjs/core';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend, type TfjsBackend } from '../dist/index.js';

let seed = 5;
const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
const floats = (n: number, f: (i: number) => number) => Float32Array.from({ length: n }, (_, i) => f(i));
const scalar = (x: number) => hostTensor(new Float32Array([x]), []);

interface Case {
  readonly name: string;
  readonly betas: [number, number];
  readonly eps: number;
  readonly decay?: number;
  readonly inputs: Record<string, HostTensor>;
}

function inputs(shape: number[], gradScale: number, step: number, lr: number, betas: [number, number], weightDecay: number): Record<string, HostTensor> {
  const n = shape.reduce((a, b) => a * b, 1);
  const grad = floats(n, () => 3 * (2 * random() - 1));
  grad[0] = 0;
  grad[1] = 1e19; // g² overflows float32 to infinity: the update must follow the same float32 path
  grad[2] = 1e-30;
  return {
    param: hostTensor(floats(n, () => 2 * random() - 1), shape),
    grad: hostTensor(grad, shape),
    expAvg: hostTensor(floats(n, (i) => (i % 7 === 0 ? 0 : 0.1 * (2 * random() - 1))), shape),
    expAvgSq: hostTensor(floats(n, (i) => (i % 5 === 0 ? 0 : 0.01 * random())), shape),
    gradScale: scalar(gradScale),
    decay: scalar(1 - lr * weightDecay),
    stepSize: scalar(lr / (1 - betas[0] ** step)),
    biasCorrection2Sqrt: scalar(Math.sqrt(1 - betas[1] ** step)),
  };
}

const CASES: Case[] = [
  { name: 'torch defaults, weight decay, clipped gradient', betas: [0.9, 0.999], eps: 1e-8, decay: 0.01, inputs: inputs([37, 11], 0.37, 3, 1e-3, [0.9, 0.999], 0.01) },
  { name: 'no decay group, other betas and eps', betas: [0.8, 0.95], eps: 1e-6, inputs: inputs([129], 1, 1, 3e-2, [0.8, 0.95], 0) },
];

function program(c: Case) {
  return {
    owner: {},
    key: `adamw:${c.name}`,
    build: (ops: Ops, x: Record<string, Tensor>) => {
      const r = ops.adamw(x.param!, x.grad!, x.expAvg!, x.expAvgSq!, {
        beta1: c.betas[0],
        beta2: c.betas[1],
        eps: c.eps,
        gradScale: x.gradScale!,
        decay: c.decay === undefined ? undefined : x.decay,
        stepSize: x.stepSize!,
        biasCorrection2Sqrt: x.biasCorrection2Sqrt!,
      });
      return { param: r.param, expAvg: r.expAvg, expAvgSq: r.expAvgSq };
    },
  };
}

/** torch.optim.AdamW's formulas in float64, per element. */
function reference(c: Case): Record<'param' | 'expAvg' | 'expAvgSq', Float64Array> {
  const d = (k: string) => c.inputs[k]!.data as Float32Array;
  const [b1, b2] = c.betas;
  const scale = d('gradScale')[0]!;
  const out = { param: new Float64Array(d('param').length), expAvg: new Float64Array(d('param').length), expAvgSq: new Float64Array(d('param').length) };
  d('param').forEach((p, i) => {
    const g = d('grad')[i]! * scale;
    const m = b1 * d('expAvg')[i]! + (1 - b1) * g;
    const v = b2 * d('expAvgSq')[i]! + (1 - b2) * g * g;
    const decayed = c.decay === undefined ? p : p * d('decay')[0]!;
    out.param[i] = decayed - (d('stepSize')[0]! * m) / (Math.sqrt(v) / d('biasCorrection2Sqrt')[0]! + c.eps);
    out.expAvg[i] = m;
    out.expAvgSq[i] = v;
  });
  return out;
}

/** The device with its fused kernels and with core's decompositions, for the describe block that calls it. */
function bothEngines(device: 'cpu' | 'wasm'): { fused: TfjsBackend; decomposed: TfjsBackend } {
  const engines = {} as { fused: TfjsBackend; decomposed: TfjsBackend };
  beforeAll(async () => {
    engines.fused = await createTfjsBackend({ device });
    engines.decomposed = await createTfjsBackend({ device, fusedKernels: false });
  });
  afterAll(() => {
    engines.fused.dispose();
    engines.decomposed.dispose();
  });
  return engines;
}

describe.each(['cpu', 'wasm'] as const)('adamw kernel on tfjs-%s', (device) => {
  const engines = bothEngines(device);

  it.each(CASES)('$name: the fused kernel equals the decomposition bit for bit, and float64 AdamW', async (c) => {
    const kernels = async (backend: TfjsBackend) => {
      let result: Record<string, HostTensor> = {};
      const info = await tf.profile(async () => void (result = await backend.run(program(c), c.inputs)));
      return { result, names: new Set(info.kernels.map((k) => k.name)) };
    };
    const a = await kernels(engines.fused);
    const b = await kernels(engines.decomposed);
    expect(a.names).toContain('AttnAdamW');
    expect(b.names).not.toContain('AttnAdamW');
    const want = reference(c);
    for (const name of ['param', 'expAvg', 'expAvgSq'] as const) {
      const got = a.result[name]!.data as Float32Array;
      expect(Buffer.from(got.buffer).equals(Buffer.from((b.result[name]!.data as Float32Array).buffer)), name).toBe(true);
      got.forEach((x, i) => {
        if (!Number.isFinite(want[name][i]!)) expect(x, `${name}[${i}]`).toBe(Math.fround(want[name][i]!));
        else expect(Math.abs(x - want[name][i]!), `${name}[${i}]`).toBeLessThanOrEqual(1e-6 * Math.max(1, Math.abs(want[name][i]!)));
      });
    }
  });

  it('names a moment whose shape differs from the parameter', async () => {
    const c = CASES[0]!;
    const bad = { ...c.inputs, expAvgSq: hostTensor(new Float32Array(4), [2, 2]) };
    await expect(engines.fused.run(program(c), bad)).rejects.toThrow(ShapeMismatchError);
    await expect(engines.fused.run(program(c), bad)).rejects.toThrow(/adamw expAvgSq/);
  });
});

describe.each(['cpu', 'wasm'] as const)('sumOfSquares kernel on tfjs-%s', (device) => {
  const engines = bothEngines(device);

  // Shapes with SIMD tails (7, 131), a scalar-like [1], large and small magnitudes: 10⁵ elements in one.
  const tensors = [
    hostTensor(floats(7 * 131, () => 3 * (2 * random() - 1)), [7, 131]),
    hostTensor(floats(1, () => 1e-3), [1]),
    hostTensor(floats(100_003, () => 1e-2 * random()), [100_003]),
    hostTensor(floats(4 * 5 * 6, (i) => (i % 2 ? 1e4 : -1e-4)), [4, 5, 6]),
  ];
  const program = {
    owner: {},
    key: 'sum-of-squares',
    build: (ops: Ops, x: Record<string, Tensor>) => ({ total: ops.sumOfSquares(tensors.map((_, i) => x[`x${i}`]!)) }),
  };
  const inputs = Object.fromEntries(tensors.map((t, i) => [`x${i}`, t]));
  let exact = 0;
  for (const t of tensors) for (const v of t.data as Float32Array) exact += v * v;

  it('is Σ x² of every tensor, rounded once to float32 from float64; the decomposition within float32 error', async () => {
    const info = await tf.profile(async () => {
      const got = (await engines.fused.run(program, inputs)).total!.data[0]!;
      expect(Math.abs(got - Math.fround(exact))).toBeLessThanOrEqual(Math.abs(Math.fround(exact)) * 2 ** -23);
    });
    expect(info.kernels.map((k) => k.name)).toContain('AttnSumOfSquares');
    const decomposedTotal = (await engines.decomposed.run(program, inputs)).total!.data[0]!;
    expect(Math.abs(decomposedTotal - exact) / exact).toBeLessThan(1e-5);
  });
});
