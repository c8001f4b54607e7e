/**
 * The optimiser update of one parameter too large for one program, in blocks of rows. An engine keeps an
 * update's temporaries until its program returns: ~15 full-size tensors for AdamW, 1.4 GB for BERT-base's
 * tied word embedding [30522, 768], more than tfjs-wasm's 4 GB heap has left beside the weights, gradients
 * and moments. Each block's program updates rows [r0, r1) into temporary slots; a last program joins the
 * blocks into the parameter and its moments. The math is elementwise, so the result is bit for bit the
 * whole-tensor update's.
 */
import type { Backend, EngineState, HostTensor, Ops, Parameter, Program, Tensor } from '@attnjs/core';
import { type Optimizer, optimizerParameters } from './optimizer.js';
import { type UpdateChunk, gradSlot, momentSlot, updateProgram } from './programs.js';

const blockSlot = (name: string, block: number) => `${name}.rows.${block}`;

/** Rows per block so a block holds at most `maxElements` elements (at least one row). */
export function rowBlocks(shape: readonly number[], maxElements: number): [number, number][] {
  const rows = shape[0] ?? 1;
  const rowSize = shape.slice(1).reduce((n, d) => n * d, 1);
  const per = Math.max(1, Math.floor(maxElements / rowSize));
  const blocks: [number, number][] = [];
  for (let r = 0; r < rows; r += per) blocks.push([r, Math.min(rows, r + per)]);
  return blocks;
}

function blockProgram(owner: object, optimizer: Optimizer, scalarNames: readonly string[], index: number, block: number, [r0, r1]: [number, number]): Program {
  const { param, group } = optimizerParameters(optimizer)[index]!;
  const moments = optimizer.moments.map((m) => momentSlot(m, index));
  const stateOutputs: Record<string, string> = { param: blockSlot(`param.${index}`, block) };
  for (const slot of moments) stateOutputs[slot] = blockSlot(slot, block);
  return {
    owner,
    key: `train:update:${optimizer.name}:${index}:rows:${r0}-${r1}`,
    stateInputs: [gradSlot(index), ...moments],
    stateOutputs,
    build: (ops: Ops, x: Record<string, Tensor>) => {
      const rows = (t: Tensor) => ops.slice(t, 0, r0, r1);
      const scalars = Object.fromEntries(scalarNames.map((name) => [name, x[name]!]));
      const grad = rows(x[gradSlot(index)]!);
      const next = optimizer.update(ops, { param: rows(ops.param(param)), grad, gradScale: x.grad_scale!, moments: moments.map((s) => rows(x[s]!)), scalars }, group);
      return Object.fromEntries([['param', next.value], ...moments.map((s, j) => [s, next.moments[j]!])]);
    },
  };
}

/** Joins the blocks: the parameter's new engine copy and its moments. */
function joinProgram(owner: object, optimizer: Optimizer, param: Parameter, index: number, blocks: number): Program {
  const names = [`param.${index}`, ...optimizer.moments.map((m) => momentSlot(m, index))];
  const stateInputs = names.flatMap((name) => Array.from({ length: blocks }, (_, b) => blockSlot(name, b)));
  const stateOutputs = Object.fromEntries(names.slice(1).map((slot) => [`new.${slot}`, slot]));
  return {
    owner,
    key: `train:update:${optimizer.name}:${index}:join:${blocks}`,
    stateInputs,
    stateOutputs,
    parameterOutputs: { [names[0]!]: param },
    build: (ops: Ops, x: Record<string, Tensor>) => {
      const joined = (name: string) => ops.concat(Array.from({ length: blocks }, (_, b) => x[blockSlot(name, b)]!), 0);
      return Object.fromEntries(names.map((name, j) => [j === 0 ? name : `new.${name}`, joined(name)]));
    },
  };
}

/** What one optimiser step's update runs with (the trainer's engine, state, optimiser and this step's scalars). */
export interface UpdateContext {
  readonly backend: Backend;
  readonly state: EngineState;
  readonly owner: object;
  readonly optimizer: Optimizer;
  readonly scalarNames: readonly string[];
  readonly scalars: Record<string, HostTensor>;
  /** Parameters' elements per program (`updateChunkElements`). */
  readonly maxElements: number;
}

/** Updates parameter `index` of the optimiser block by block; the temporary slots are freed afterwards. */
async function updateByRows(c: UpdateContext, index: number): Promise<void> {
  const { param } = optimizerParameters(c.optimizer)[index]!;
  const blocks = rowBlocks(param.shape, c.maxElements);
  const temporary = [`param.${index}`, ...c.optimizer.moments.map((m) => momentSlot(m, index))].flatMap((name) => blocks.map((_, b) => blockSlot(name, b)));
  try {
    for (const [b, rows] of blocks.entries()) {
      await c.backend.run(blockProgram(c.owner, c.optimizer, c.scalarNames, index, b, rows), c.scalars, { state: c.state });
    }
    await c.backend.run(joinProgram(c.owner, c.optimizer, param, index, blocks.length), {}, { state: c.state });
  } finally {
    for (const slot of temporary) if (c.state.spec(slot)) c.state.delete(slot);
  }
}

/** One chunk of the update: one program, or block by block for a lone parameter over `maxElements`. */
export async function runUpdateChunk(c: UpdateContext, [start, end]: UpdateChunk): Promise<void> {
  const shape = optimizerParameters(c.optimizer)[start]!.param.shape;
  if (end - start === 1 && (shape[0] ?? 1) > 1 && shape.reduce((n, d) => n * d, 1) > c.maxElements) return updateByRows(c, start);
  await c.backend.run(updateProgram(c.owner, c.optimizer, c.scalarNames, [start, end]), c.scalars, { state: c.state });
}
