/**
 * The engine programs a training step runs, all over one `EngineState`: gradients accumulate in `grad.i`
 * slots, optimiser moments live in `<moment>.i` slots, and parameters are replaced in place. Only scalars
 * (loss, gradient norm) cross to the host.
 */
import type { BoundProgram, Ops, Parameter, Program, Tensor } from '@attnjs/core';
import { type Optimizer, optimizerParameters } from './optimizer.js';

export const gradSlot = (i: number) => `grad.${i}`;
export const momentSlot = (moment: string, i: number) => `${moment}.${i}`;

/** The model's forward program, differentiated: d loss / d params go into (or are added to) the grad slots. */
export function gradientProgram(bound: BoundProgram, params: readonly Parameter[], accumulate: boolean): Program {
  return {
    ...bound.program,
    key: `${bound.program.key}:grad${accumulate ? '+' : ''}`,
    gradients: { wrt: params, into: params.map((_, i) => gradSlot(i)), accumulate },
  };
}

/** √(Σ over every gradient of Σ g²) · scale, as clip_grad_norm_ measures it (a tied weight counted once). */
export function gradNormProgram(owner: object, count: number): Program {
  const slots = Array.from({ length: count }, (_, i) => gradSlot(i));
  return {
    owner,
    key: 'train:grad-norm',
    stateInputs: slots,
    build: (ops: Ops, x: Record<string, Tensor>) => ({ norm: ops.mul(ops.sqrt(ops.sumOfSquares(slots.map((s) => x[s]!))), x.scale!) }),
  };
}

/** Parameters [start, end) of the optimiser's list, updated by one program. */
export type UpdateChunk = readonly [start: number, end: number];

/**
 * Splits the optimiser's parameters into runs of at most `maxElements` elements (a larger parameter alone).
 * An engine keeps an update's temporaries until its program returns (~15× the parameters' bytes for
 * AdamW), so updating BERT-base in one program needs gigabytes; per-chunk programs bound that.
 */
export function updateChunks(optimizer: Optimizer, maxElements: number): UpdateChunk[] {
  const sizes = optimizerParameters(optimizer).map(({ param }) => param.shape.reduce((n, d) => n * d, 1));
  const chunks: [number, number][] = [];
  let start = 0;
  let total = 0;
  sizes.forEach((size, i) => {
    if (i > start && total + size > maxElements) {
      chunks.push([start, i]);
      start = i;
      total = 0;
    }
    total += size;
  });
  if (sizes.length > start) chunks.push([start, sizes.length]);
  return chunks;
}

/**
 * One optimiser step over parameters [start, end): reads grad·grad_scale, the parameter and its moments;
 * writes the new parameter (`parameterOutputs`) and moments (`stateOutputs`).
 */
export function updateProgram(owner: object, optimizer: Optimizer, scalarNames: readonly string[], [start, end]: UpdateChunk): Program {
  const entries = optimizerParameters(optimizer)
    .map((entry, i) => ({ ...entry, i }))
    .slice(start, end);
  const stateInputs = entries.flatMap(({ i }) => [gradSlot(i), ...optimizer.moments.map((m) => momentSlot(m, i))]);
  const stateOutputs: Record<string, string> = {};
  const parameterOutputs: Record<string, Parameter> = {};
  entries.forEach(({ param, i }) => {
    parameterOutputs[`param.${i}`] = param;
    for (const m of optimizer.moments) stateOutputs[`new.${momentSlot(m, i)}`] = momentSlot(m, i);
  });
  return {
    owner,
    key: `train:update:${optimizer.name}:${start}-${end}`,
    stateInputs,
    stateOutputs,
    parameterOutputs,
    build: (ops: Ops, x: Record<string, Tensor>) => {
      const scalars = Object.fromEntries(scalarNames.map((name) => [name, x[name]!]));
      const outputs: Record<string, Tensor> = {};
      entries.forEach(({ param, group, i }) => {
        const moments = optimizer.moments.map((m) => x[momentSlot(m, i)]!);
        const next = optimizer.update(ops, { param: ops.param(param), grad: x[gradSlot(i)]!, gradScale: x.grad_scale!, moments, scalars }, group);
        outputs[`param.${i}`] = next.value;
        optimizer.moments.forEach((m, j) => (outputs[`new.${momentSlot(m, i)}`] = next.moments[j]!));
      });
      return outputs;
    },
  };
}

/** Reads parameters' engine copies (which optimiser steps replaced) back to the host. */
export function readParametersProgram(owner: object, params: readonly Parameter[]): Program {
  return {
    owner,
    key: 'train:read-parameters',
    build: (ops: Ops) => Object.fromEntries(params.map((p, i) => [`param.${i}`, ops.param(p)])),
  };
}
