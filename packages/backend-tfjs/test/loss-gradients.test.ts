/**
 * Every loss in core, differentiated by the engine, against a central finite difference of the same loss
 * run forward by the engine: cross-entropy with ignored labels, causal-LM (shifted), next-sentence,
 * binary cross-entropy with logits (large |x| and soft targets), mean squared error and question answering
 * (two logit tensors, one ignored position), on cpu and on wasm.
 */
import {
  binaryCrossEntropyWithLogits,
  causalLMLoss,
  crossEntropy,
  hostTensor,
  meanSquaredError,
  nextSentenceLoss,
  Parameter,
  questionAnsweringLoss,
} from '@attnjs/core';
import type { HostTensor, Ops, Tensor } from '@attnjs/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTfjsBackend, type TfjsBackend } from '../dist/index.js';

let seed = 11;
const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
function param(shape: number[], scale = 2): Parameter {
  const p = new Parameter(shape);
  p.value = hostTensor(Float32Array.from({ length: shape.reduce((n, d) => n * d, 1) }, () => scale * (2 * random() - 1)), shape);
  return p;
}
const ints = (data: number[], shape: number[]) => hostTensor(Int32Array.from(data), shape);
const floats = (data: number[], shape: number[]) => hostTensor(Float32Array.from(data), shape);

interface Case {
  readonly name: string;
  readonly params: Parameter[];
  readonly inputs: Record<string, HostTensor>;
  loss(ops: Ops, p: Tensor[], x: Record<string, Tensor>): Tensor;
}

function cases(): Case[] {
  const bce = param([2, 3]);
  (bce.value.data as Float32Array).set([8, -9], 0); // saturated logits: the stable form must still give σ(x) − t
  return [
    {
      name: 'crossEntropy, one label ignored',
      params: [param([2, 3, 5])],
      inputs: { labels: ints([4, 0, -100, 2, 1, 3], [2, 3]) },
      loss: (ops, [logits], x) => crossEntropy(ops, logits!, x.labels!),
    },
    {
      name: 'causalLMLoss (targets shifted inside)',
      params: [param([2, 4, 5])],
      inputs: { labels: ints([1, 2, 3, 4, 0, -100, 2, 2], [2, 4]) },
      loss: (ops, [logits], x) => causalLMLoss(ops, logits!, x.labels!),
    },
    {
      name: 'nextSentenceLoss',
      params: [param([3, 2])],
      inputs: { labels: ints([0, 1, 1], [3]) },
      loss: (ops, [logits], x) => nextSentenceLoss(ops, logits!, x.labels!),
    },
    {
      name: 'binaryCrossEntropyWithLogits, soft targets, |x| up to 9',
      params: [bce],
      inputs: { targets: floats([1, 0, 0.25, 0.5, 1, 0.9], [2, 3]) },
      loss: (ops, [logits], x) => binaryCrossEntropyWithLogits(ops, logits!, x.targets!),
    },
    {
      name: 'meanSquaredError',
      params: [param([2, 3])],
      inputs: { targets: floats([0.5, -1, 2, 0, 0.25, -0.75], [2, 3]) },
      loss: (ops, [predictions], x) => meanSquaredError(ops, predictions!, x.targets!),
    },
    {
      name: 'questionAnsweringLoss, one end position ignored',
      params: [param([2, 6]), param([2, 6])],
      inputs: { start: ints([1, 5], [2]), end: ints([3, -100], [2]) },
      loss: (ops, [startLogits, endLogits], x) => questionAnsweringLoss(ops, startLogits!, endLogits!, x.start!, x.end!),
    },
  ];
}

describe.each(['cpu', 'wasm'] as const)('loss gradients on tfjs-%s', (device) => {
  let backend: TfjsBackend;
  beforeAll(async () => {
    backend = await createTfjsBackend({ device });
  });
  afterAll(() => backend.dispose());

  it.each(cases().map((c) => [c.name, c] as const))('%s: autodiff = central finite difference at every coordinate', async (_name, c) => {
    const program = {
      owner: {},
      key: `fd:${c.name}`,
      build: (ops: Ops, x: Record<string, Tensor>) => ({ loss: c.loss(ops, c.params.map((p) => ops.param(p)), x) }),
    };
    const { grads } = await backend.valueAndGrads(program, c.inputs, c.params);
    const lossWith = async (p: Parameter, i: number, delta: number) => {
      const original = p.value;
      const data = (original.data as Float32Array).slice();
      data[i]! += delta;
      p.value = { ...original, data }; // a new value object: the backend uploads it again
      const { loss } = await backend.run(program, c.inputs);
      p.value = original;
      return loss!.data[0]!;
    };
    const eps = 1e-2;
    let checked = 0;
    for (const [k, p] of c.params.entries()) {
      const g = grads.get(p)!.data;
      for (let i = 0; i < p.value.data.length; i++) {
        const fd = ((await lossWith(p, i, eps)) - (await lossWith(p, i, -eps))) / (2 * eps);
        expect(Math.abs(fd - g[i]!), `param ${k}[${i}]: finite difference ${fd}, autodiff ${g[i]}`).toBeLessThanOrEqual(1e-3 + 1e-2 * Math.abs(g[i]!));
        checked++;
      }
      expect(g.some((v) => v !== 0), `param ${k} gets some gradient`).toBe(true);
    }
    expect(checked).toBeGreaterThan(5);
  });
});
