/**
 * The losses the task heads add, on every engine, against float64 values computed here by hand
 * (BCE-with-logits at logits far beyond float32's exp range, where a naive log(1 + eˣ) overflows),
 * and their gradients on TF.js against the closed forms (σ(x) − y) / N and 2(x − y) / N.
 */
import { createTfjsBackend } from '@attnjs/backend-tfjs';
import {
  type Backend,
  type HostTensor,
  type Ops,
  Parameter,
  type Tensor,
  binaryCrossEntropyWithLogits,
  hostTensor,
  meanSquaredError,
  questionAnsweringLoss,
  spanPositionsFeed,
} from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { USER_ENGINES as ENGINES } from './engines.js';
import { expectClose } from './reference.js';

const LOGITS = [-1000, -30, -2.5, -1e-3, 0, 0.7, 30, 1000];
const TARGETS = [0, 1, 0.3, 1, 0.5, 0, 1, 0];
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
/** softplus(x) − x·y, with softplus = max(x, 0) + log1p(e^−|x|): exact in float64 for any x. */
const bceWant = mean(LOGITS.map((x, i) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x))) - x * TARGETS[i]!));
const mseWant = mean(LOGITS.map((x, i) => (x - TARGETS[i]!) ** 2));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/** A parameter holding `values` [2, 4], and a program computing `loss` of it against the fed targets. */
function lossProgram(loss: (ops: Ops, x: Tensor, y: Tensor) => Tensor, values = LOGITS) {
  const p = new Parameter([2, 4]);
  p.value = hostTensor(Float32Array.from(values), [2, 4]);
  const owner = {};
  const program = { owner, key: 'loss', build: (ops: Ops, x: Record<string, Tensor>) => ({ loss: loss(ops, ops.param(p), x.targets!) }) };
  return { p, owner, program, feeds: { targets: hostTensor(Float32Array.from(TARGETS), [2, 4]) } };
}

describe.each(ENGINES)('losses on $name', (engine) => {
  let backend: Backend;
  beforeAll(async () => {
    backend = await engine.create();
  });
  afterAll(async () => {
    await backend.dispose();
  });

  async function value(loss: Parameters<typeof lossProgram>[0]): Promise<number> {
    const { p, owner, program, feeds } = lossProgram(loss);
    const out = await backend.run(program, feeds);
    backend.release(owner, [p]);
    return out.loss!.data[0]!;
  }

  it('binary cross-entropy with logits stays finite and exact at |x| = 1000', async () => {
    const got = await value(binaryCrossEntropyWithLogits);
    expect(Number.isFinite(got)).toBe(true);
    expectClose([got], [bceWant], 1e-6, 'BCE-with-logits');
  });

  it('mean squared error', async () => {
    expectClose([await value(meanSquaredError)], [mseWant], 1e-6, 'MSE');
  });

  it('question answering: mean of the two cross-entropies, positions ≥ T ignored and negatives clamped to 0', async () => {
    // Two rows, T = 3. Row 0: start 1, end 7 (≥ T: ignored). Row 1: start −4 (→ 0), end 2.
    const start = [
      [0.5, 2, -1],
      [1, 0, 3],
    ];
    const end = [
      [0, 0, 0],
      [-2, 1, 0.25],
    ];
    const logSoftmaxAt = (row: number[], i: number) => row[i]! - Math.log(row.reduce((a, v) => a + Math.exp(v), 0));
    const startCE = -(logSoftmaxAt(start[0]!, 1) + logSoftmaxAt(start[1]!, 0)) / 2;
    const endCE = -logSoftmaxAt(end[1]!, 2); // the only end position counted
    const feeds: Record<string, HostTensor> = {
      start_logits: hostTensor(Float32Array.from(start.flat()), [2, 3]),
      end_logits: hostTensor(Float32Array.from(end.flat()), [2, 3]),
      start_positions: spanPositionsFeed([1, -4], 'start_positions', 2, 3),
      end_positions: spanPositionsFeed([7, 2], 'end_positions', 2, 3),
    };
    const program = {
      owner: {},
      key: 'qa',
      build: (ops: Ops, x: Record<string, Tensor>) => ({
        loss: questionAnsweringLoss(ops, x.start_logits!, x.end_logits!, x.start_positions!, x.end_positions!),
      }),
    };
    const out = await backend.run(program, feeds);
    expectClose([out.loss!.data[0]!], [(startCE + endCE) / 2], 1e-6, 'QA loss');
  });
});

describe('loss gradients on tfjs-cpu', () => {
  it('d BCE / dx = (σ(x) − y) / N and d MSE / dx = 2(x − y) / N', async () => {
    const backend = await createTfjsBackend({ device: 'cpu' });
    const N = LOGITS.length;
    for (const [loss, want] of [
      [binaryCrossEntropyWithLogits, (x: number, y: number) => (sigmoid(x) - y) / N],
      [meanSquaredError, (x: number, y: number) => (2 * (x - y)) / N],
    ] as const) {
      const { p, owner, program, feeds } = lossProgram(loss);
      const { grads } = await backend.valueAndGrads(program, feeds, [p]);
      expectClose(grads.get(p)!.data, LOGITS.map((x, i) => want(x, TARGETS[i]!)), 1e-6, `gradient of ${loss.name}`);
      backend.release(owner, [p]);
    }
    await backend.dispose();
  });
});
