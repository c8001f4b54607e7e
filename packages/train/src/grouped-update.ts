/**
 * An update program's optimiser math over several parameters at once. Each parameter's update as its own
 * kernels costs ~15 engine calls per parameter (~750 for nanoGPT's 52 parameters, ~10 % of its step on
 * tfjs-wasm, nearly all per-kernel overhead on small tensors). Parameters of one group share every
 * scalar, and the optimisers' math is elementwise, so a run of them is updated as one flat buffer (the
 * parameters, gradients and moments each concatenated) and sliced back: bit for bit the per-parameter
 * result, in a fixed number of kernels plus one slice per output.
 */
import type { Ops, Parameter, Tensor } from '@attnjs/core';
import type { Optimizer } from './optimizer.js';
import { gradSlot, momentSlot } from './programs.js';

export interface UpdateEntry {
  readonly param: Parameter;
  readonly group: number;
  /** Index in the optimiser's parameter list (names the slots). */
  readonly i: number;
}

const size = (shape: readonly number[]) => shape.reduce((n, d) => n * d, 1);

/** The flat concatenation of one tensor per entry (a single entry is only flattened). */
function joined(ops: Ops, tensors: readonly Tensor[]): Tensor {
  const flat = tensors.map((t) => ops.reshape(t, [size(t.shape)]));
  return flat.length === 1 ? flat[0]! : ops.concat(flat, 0);
}

/** Outputs `param.i` and `new.<moment>.i` for entries of one group, updated together. */
function updateRun(ops: Ops, optimizer: Optimizer, x: Record<string, Tensor>, scalars: Record<string, Tensor>, run: readonly UpdateEntry[]): Record<string, Tensor> {
  if (run.length === 1) {
    const { param, group, i } = run[0]!;
    const grad = ops.mul(x[gradSlot(i)]!, x.grad_scale!);
    const next = optimizer.update(ops, { param: ops.param(param), grad, moments: optimizer.moments.map((m) => x[momentSlot(m, i)]!), scalars }, group);
    return Object.fromEntries([[`param.${i}`, next.value], ...optimizer.moments.map((m, j) => [`new.${momentSlot(m, i)}`, next.moments[j]!])]);
  }
  const grad = ops.mul(joined(ops, run.map(({ i }) => x[gradSlot(i)]!)), x.grad_scale!);
  const param = joined(ops, run.map(({ param }) => ops.param(param)));
  const moments = optimizer.moments.map((m) => joined(ops, run.map(({ i }) => x[momentSlot(m, i)]!)));
  const next = optimizer.update(ops, { param, grad, moments, scalars }, run[0]!.group);
  const outputs: Record<string, Tensor> = {};
  let offset = 0;
  for (const { param: p, i } of run) {
    const n = size(p.shape);
    const part = (flat: Tensor) => ops.reshape(ops.slice(flat, 0, offset, offset + n), p.shape);
    outputs[`param.${i}`] = part(next.value);
    optimizer.moments.forEach((m, j) => (outputs[`new.${momentSlot(m, i)}`] = part(next.moments[j]!)));
    offset += n;
  }
  return outputs;
}

/** Every entry's new parameter and moments, one flat update per run of consecutive entries in one group. */
export function groupedUpdate(ops: Ops, optimizer: Optimizer, x: Record<string, Tensor>, scalars: Record<string, Tensor>, entries: readonly UpdateEntry[]): Record<string, Tensor> {
  const runs: UpdateEntry[][] = [];
  for (const entry of entries) {
    const last = runs[runs.length - 1];
    if (last && last[0]!.group === entry.group) last.push(entry);
    else runs.push([entry]);
  }
  return Object.assign({}, ...runs.map((run) => updateRun(ops, optimizer, x, scalars, run)));
}
